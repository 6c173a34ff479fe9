/**
 * An owner's notification webhook: `PUT /v1/notifications/webhook {url}` sets it and returns its
 * signing secret, shown this once (derived again for every delivery, never stored); `GET` shows the
 * URL; `DELETE` removes it. Interactive credentials only, like key management: a leaked key must
 * not be able to redirect the news of its own leak.
 */
import ipaddr from 'ipaddr.js';
import { isInteractive, type Identity } from '../identity';
import { KeywardError } from '../errors';
import { onlyFields, requiredString, type Body } from '../lib/validate';
import { randomBase62 } from '../keys/format';
import type { ProviderSecret } from '../secrets/provider';
import type { NotificationStore } from '../store/notifications';
import { addressAllowed, hostNameAllowed } from './address';
import { deriveWebhookSecret } from './webhook-signature';

/**
 * An https URL with a public host. In the emulator (`allowLocal`) plain http and loopback hosts
 * are allowed too, for a receiver on this machine. Private and link-local addresses are refused
 * so that a webhook cannot point Keyward at the project's internal services.
 */
export function webhookUrl(value: string, allowLocal: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && !(allowLocal && url.protocol === 'http:')) return undefined;
  if (url.username || url.password || url.hash) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(host) ? !addressAllowed(host, allowLocal) : !hostNameAllowed(host, allowLocal)) return undefined;
  return url.toString();
}

export interface WebhookSettingsDeps {
  store: Pick<NotificationStore, 'webhook' | 'setWebhook' | 'deleteWebhook'>;
  hmacSecret: ProviderSecret;
  allowLocal: boolean;
  now: () => number;
}

const interactiveOnly = () => new KeywardError('interactive_credential_required', 'Notification settings are managed with a session cookie or an ID token.');

export function webhookSettings(deps: WebhookSettingsDeps) {
  return {
    async get(identity: Identity) {
      if (!isInteractive(identity)) throw interactiveOnly();
      const setting = await deps.store.webhook(identity.uid);
      if (!setting) throw new KeywardError('not_found', 'No webhook is set.');
      return { url: setting.url, updatedAt: new Date(setting.updatedAt).toISOString() };
    },
    async set(identity: Identity, body: Body) {
      if (!isInteractive(identity)) throw interactiveOnly();
      onlyFields(body, ['url']);
      const url = webhookUrl(requiredString(body, 'url', { max: 2048 }), deps.allowLocal);
      if (!url) throw new KeywardError('invalid_request', 'url must be an https URL of a public host.');
      const versions = await deps.hmacSecret.versions();
      const salt = randomBase62(16);
      const updatedAt = deps.now();
      await deps.store.setWebhook(identity.uid, { url, salt, version: versions.current.version, updatedAt });
      return { url, updatedAt: new Date(updatedAt).toISOString(), secret: deriveWebhookSecret(versions.current.material, identity.uid, salt) };
    },
    async remove(identity: Identity) {
      if (!isInteractive(identity)) throw interactiveOnly();
      await deps.store.deleteWebhook(identity.uid);
    },
  };
}

export type WebhookSettings = ReturnType<typeof webhookSettings>;
