/**
 * An owner's notification webhook: `PUT /v1/notifications/webhook {url}` sets it and returns its
 * signing secret, shown this once (derived again for every delivery, never stored); `GET` shows the
 * URL; `DELETE` removes it. Interactive credentials only, like key management: a leaked key must
 * not be able to redirect the news of its own leak. Setting and removing are audited as
 * `webhook.update` before the answer (only the URL's scheme and host: its path and query may hold
 * the receiver's tokens), and undone when the log cannot be written, so a stolen session cannot
 * redirect leak notices unseen. Setting it again issues a new secret; the old one keeps signing
 * beside it for `ROTATION_MS` (two signatures in `webhook-signature`), so a receiver can switch
 * over without missing a delivery; the endpoint starts enabled, its failures forgotten.
 */
import ipaddr from 'ipaddr.js';
import { auditedChange } from '../actions/audited-change';
import { auditRequest, type AuditEvent, type AuditSink } from '../audit/events';
import { isInteractive, type Identity } from '../identity';
import { isFault, isKeywardError, KeywardError } from '../errors';
import { parseRequest } from '../contract/parse';
import type { Body } from '../request';
import { randomBase62 } from '../keys/format';
import type { ProviderSecret } from '../secrets/provider';
import type { RequestContext } from '../request';
import type { NotificationStore, WebhookSetting } from '../store/notifications';
import { addressAllowed, hostNameAllowed } from './address';
import { checkDestination, type DestinationPolicy } from './destination';
import { deriveWebhookSecret } from './standard-webhooks';

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
  /** The host is resolved when the webhook is set too: a name of the project's network is refused at once. */
  destinations: DestinationPolicy;
  /** The longest wait for that resolution, ms. */
  resolveTimeoutMs: number;
  audit: AuditSink;
  now: () => number;
}

/** How long a replaced secret keeps signing beside the new one. */
export const ROTATION_MS = 24 * 3_600_000;

const interactiveOnly = () => new KeywardError('interactive_credential_required', 'Notification settings are managed with a session cookie or an ID token.');

export function webhookSettings(deps: WebhookSettingsDeps) {
  const entry = (identity: Identity, outcome: AuditEvent['outcome'], reason: string, info?: RequestContext): AuditEvent => ({
    event: 'webhook.update',
    outcome,
    actor: { uid: identity.uid, method: identity.method, keyId: identity.keyId },
    target: { uid: identity.uid },
    request: info && auditRequest(info),
    reason,
  });
  /** A refused change is an access entry (outcome `failure`, the error code). */
  async function refusalsAudited<T>(identity: Identity, info: RequestContext | undefined, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (isKeywardError(err) && !isFault(err)) deps.audit.access(entry(identity, 'failure', err.code, info));
      throw err;
    }
  }
  const restore = (uid: string, before: WebhookSetting | undefined) => () => (before ? deps.store.setWebhook(uid, before) : deps.store.deleteWebhook(uid));

  return {
    async get(identity: Identity) {
      if (!isInteractive(identity)) throw interactiveOnly();
      const setting = await deps.store.webhook(identity.uid);
      if (!setting) throw new KeywardError('not_found', 'No webhook is set.');
      const disabled = setting.disabledAt == null ? {} : { disabledAt: new Date(setting.disabledAt).toISOString(), disabledReason: setting.disabledReason ?? '' };
      return { url: setting.url, updatedAt: new Date(setting.updatedAt).toISOString(), ...disabled };
    },
    set: (identity: Identity, body: Body, info?: RequestContext) => refusalsAudited(identity, info, async () => {
      if (!isInteractive(identity)) throw interactiveOnly();
      const url = webhookUrl(parseRequest('webhook', body).url, deps.allowLocal);
      if (!url) throw new KeywardError('invalid_request', 'url must be an https URL of a public host.');
      const { hostname, origin } = new URL(url);
      const to = await checkDestination(hostname, deps.destinations, AbortSignal.timeout(deps.resolveTimeoutMs));
      if (to === 'unresolved') throw new KeywardError('invalid_request', 'url names a host that does not resolve.');
      if (to === 'refused') throw new KeywardError('invalid_request', 'url names a host that resolves to a private, loopback or reserved address.');
      const versions = await deps.hmacSecret.versions();
      const salt = randomBase62(16);
      const updatedAt = deps.now();
      const before = await deps.store.webhook(identity.uid);
      const previous = before && { salt: before.salt, version: before.version, until: updatedAt + ROTATION_MS };
      await deps.store.setWebhook(identity.uid, { url, salt, version: versions.current.version, updatedAt, ...(previous ? { previous } : {}) });
      await auditedChange(deps.audit, entry(identity, 'success', `set ${origin}`, info), restore(identity.uid, before));
      return { url, updatedAt: new Date(updatedAt).toISOString(), secret: deriveWebhookSecret(versions.current.material, identity.uid, salt) };
    }),
    remove: (identity: Identity, info?: RequestContext) => refusalsAudited(identity, info, async () => {
      if (!isInteractive(identity)) throw interactiveOnly();
      const before = await deps.store.webhook(identity.uid);
      if (!before) return; // nothing set, nothing changed
      await deps.store.deleteWebhook(identity.uid);
      await auditedChange(deps.audit, entry(identity, 'success', 'removed', info), restore(identity.uid, before));
    }),
  };
}

export type WebhookSettings = ReturnType<typeof webhookSettings>;
