/**
 * Two rules of key management that need no store: a key's App Check setting as given on creation,
 * and which secrets a key keeps when it is regenerated.
 */
import { APP_ID_PATTERN } from '../credentials/app-check';
import { invalidField, KeywardError } from '../errors';
import { onlyFields, optionalStringList, type Body } from '../lib/validate';
import type { StoredSecret } from '../keys/record';
import { secretLive } from '../keys/status';

/** `appCheck: {appIds: [Firebase app ids], consume?: boolean}` on creation; undefined when absent. */
export function parseAppCheck(value: unknown): { appIds: string[]; consume: boolean } | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidField('appCheck', 'appCheck must be an object {appIds, consume?}.');
  const body = value as Body;
  onlyFields(body, ['appIds', 'consume']);
  const appIds = optionalStringList(body, 'appIds', { maxItems: 20, maxLength: 100, check: (id) => APP_ID_PATTERN.test(id) });
  if (!appIds?.length) throw invalidField('appCheck.appIds', 'appCheck.appIds must list at least one Firebase app id (1:<project number>:<platform>:<hex>).');
  if (body.consume !== undefined && typeof body.consume !== 'boolean') throw invalidField('appCheck.consume', 'appCheck.consume must be true or false.');
  return { appIds, consume: body.consume === true };
}

/** Secrets a key keeps at once: the current one and up to four still in their grace periods (each costs an HMAC per check). */
export const MAX_SECRETS = 5;

/**
 * The secrets a key keeps beside a new one. The current secret ends with the grace period, and
 * each earlier one keeps its own end, so every secret ever handed out works until the end it was
 * given: two regenerations in a row (a double click) cut no one's grace period. Without a grace
 * period (0) every earlier secret ends at once: the answer to a leak. Ended secrets are kept so
 * they, and their tokens, are refused as replaced (keys/status.ts) rather than unknown; the
 * oldest ended ones go first. More than MAX_SECRETS - 1 secrets still working: 409.
 */
export function rotatedSecrets(secrets: readonly StoredSecret[], graceSeconds: number, now: number): StoredSecret[] {
  const ends = (s: StoredSecret, i: number) => (graceSeconds === 0 ? now : i === 0 ? now + graceSeconds * 1000 : s.notAfter);
  const kept = secrets.map((s, i) => ({ ...s, notAfter: ends(s, i) }));
  const working = kept.filter((s) => secretLive(s, now));
  if (working.length >= MAX_SECRETS) {
    throw new KeywardError('conflict', `This key already has ${MAX_SECRETS - 1} earlier secrets in their grace periods; wait for one to end, or regenerate with gracePeriod 0.`);
  }
  const ended = kept.filter((s) => !secretLive(s, now)).sort((a, b) => (b.notAfter ?? 0) - (a.notAfter ?? 0));
  return [...working, ...ended].slice(0, MAX_SECRETS - 1);
}

