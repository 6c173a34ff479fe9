import type { RouteContext } from '../route-context';
import { endpoint } from '../endpoint';

/** The owner's notification webhook (notifications/webhooks.ts) and its delivery log (notifications/delivery-log.ts). */
export function registerNotifications({ router, http, services }: RouteContext): void {
  const webhooks = services.notifications.webhooks;
  endpoint(router, http, '/v1/notifications/webhook', {
    GET: async ({ identity }) => ({ body: await webhooks.get(identity) }),
    PUT: async ({ identity, body, info }) => ({ body: await webhooks.set(identity, body, info) }),
    DELETE: async ({ identity, info }) => {
      await webhooks.remove(identity, info);
      return { status: 204 };
    },
  });
  const log = services.notifications.deliveryLog;
  endpoint(router, http, '/v1/notifications/deliveries', {
    GET: async ({ identity, query }) => ({ body: await log.list(identity, query) }),
  });
  endpoint(router, http, '/v1/notifications/deliveries/:id/retry', {
    POST: async ({ identity, params, info }) => ({ status: 202, body: await log.retry(identity, params.id!, info) }),
  });
}
