import type { RouteContext } from '../route-context';
import { endpoint } from '../endpoint';

/** The owner's notification webhook (notifications/webhooks.ts). */
export function registerNotifications({ router, http, services }: RouteContext): void {
  const webhooks = services.notifications.webhooks;
  endpoint(router, http, '/v1/notifications/webhook', {
    GET: async ({ identity }) => ({ body: await webhooks.get(identity) }),
    PUT: async ({ identity, body }) => ({ body: await webhooks.set(identity, body) }),
    DELETE: async ({ identity }) => {
      await webhooks.remove(identity);
      return { status: 204 };
    },
  });
}
