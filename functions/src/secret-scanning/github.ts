/**
 * `POST /v1/secret-scanning/github`: GitHub reports tokens it found in public code. Outside the
 * credential pipeline: the request is authenticated by GitHub's signature over the raw body, and
 * nothing is read or changed before that signature verifies. Each token names its key (the id
 * inside it); the key is read fresh from the datastore, the token confirmed against its digests,
 * and the key revoked at once when that secret could still work (keys/status.ts; actions/keys.ts
 * `revokeLeaked`, audited as `key.leak`). Tokens that
 * are not Keyward's, or not a key's secret, are false positives. The answer never holds a token.
 */
import { KeywardError } from '../errors';
import { headerValue, type RequestContext } from '../request';
import { identifyToken, leakedSecret } from '../keys/leak';
import type { KeyService, LeakReport } from '../actions/keys';
import { catchUpVersions } from '../secrets/catch-up';
import type { ProviderSecret } from '../secrets/provider';
import type { KeyRecord, KeyStore } from '../keys/record';
import type { GithubKeyring } from './github-keys';
import { parseReport, signatureValid, tokenHash, type Feedback } from './report';

export interface GithubReportDeps {
  keyring: GithubKeyring;
  store: Pick<KeyStore, 'get'>;
  hmacSecret: ProviderSecret;
  keys: Pick<KeyService, 'revokeLeaked'>;
  /** Told after a key is revoked on a report (notifications/); failures there never undo it. */
  onRevoked?: (record: KeyRecord, report: LeakReport) => Promise<unknown>;
  now: () => number;
}

const refused = () => new KeywardError('invalid_signature', 'The report is not signed by GitHub.', { challenge: 'Github-Public-Key-Signature' });

function header(info: RequestContext, name: string): string | undefined {
  const value = headerValue(info.headers, name);
  return typeof value === 'string' && value.length <= 512 ? value : undefined;
}

export function githubReportHandler(deps: GithubReportDeps) {
  return async (info: RequestContext): Promise<Feedback[]> => {
    const identifier = header(info, 'github-public-key-identifier');
    const signature = header(info, 'github-public-key-signature');
    if (!identifier || !signature) throw refused();
    const key = await deps.keyring.find(identifier);
    if (!key || !signatureValid(info.rawBody, signature, key)) throw refused();

    const items = parseReport(info.rawBody);
    if (!items) throw new KeywardError('invalid_request', 'The report must be a JSON array of {token, type, url, source}.');

    const feedback: Feedback[] = [];
    const seen = new Map<string, Feedback['label']>();
    for (const item of items) {
      const hash = tokenHash(item.token);
      let label = seen.get(hash);
      if (label === undefined) {
        label = await confirmAndRevoke(deps, item.token, item.url, item.source);
        seen.set(hash, label);
      }
      feedback.push({ token_hash: hash, token_type: item.type, label });
    }
    return feedback;
  };
}

async function confirmAndRevoke(deps: GithubReportDeps, token: string, url?: string, source?: string): Promise<Feedback['label']> {
  const credential = identifyToken(token);
  if (!credential) return 'false_positive';
  const record = await deps.store.get(credential.keyId);
  if (!record) return 'false_positive';
  const versions = await catchUpVersions(deps.hmacSecret, await deps.hmacSecret.versions(), record.secrets.map((s) => s.version), deps.now());
  const secret = leakedSecret(record, credential, token, versions);
  if (!secret) return 'false_positive';
  const report: LeakReport = { credential: credential.kind, scanner: 'github', url, source };
  const { revoked } = await deps.keys.revokeLeaked(record, secret, report);
  if (revoked && deps.onRevoked) await deps.onRevoked(record, report).catch(() => undefined);
  return 'true_positive';
}
