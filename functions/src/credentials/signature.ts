/**
 * Verifies signed requests (`Authorization: Keyward-HMAC-SHA256 …`) and signed token requests.
 * The signing secret is never stored: it is re-derived from the HMAC provider secret and the
 * per-secret salt for each secret of the key (the current one, and the previous one of a
 * regeneration, which works until its grace period ends). Order matters:
 * 1. grammar and the ±window timestamp check: free, before anything is read;
 * 2. the key record (cache) and one HMAC per secret, all computed (no early exit);
 * 3. the key's status and restrictions (as for API keys), and its owner;
 * 4. only then the nonce is spent, with one Firestore `create()`: a forged or refused request
 *    cannot burn someone's nonce or cost a write.
 */
import { safeEqual, signingSecret } from '../keys/digest';
import { isKeyId } from '../keys/format';
import { KeywardError } from '../errors';
import { headerValue, type RequestContext } from '../request';
import type { VersionSet } from '../secrets/provider';
import { isFresh } from '../signing/grammar';
import { parseSignatureHeader, SIGNATURE_SCHEME } from '../signing/header';
import { bodySha256Hex, hmacSha256Hex } from '../signing/hmac';
import { stringToSign } from '../signing/string-to-sign';
import type { NonceStore } from '../store/nonces';
import type { KeyRecord, StoredSecret } from '../keys/record';
import { counted, keyIdentity, matchingRecord, type ApiKeyDeps, type VerifyOptions } from './key-credential';
import { requireAppCheck } from './app-check';
import type { Identity } from '../identity';

/** What an API key needs, and the nonce store and freshness window of signed requests. */
export interface SignatureDeps extends ApiKeyDeps {
  nonces: NonceStore;
  windowSeconds: number;
}

/**
 * What a signed credential claims: the key, its freshness, and the signature over `message`.
 * The caller builds `message` so that it contains the key id (or is only valid under its secret),
 * the timestamp and the nonce: both forms do (string to sign, normalized parameters).
 */
export interface SignedClaim {
  keyId: string;
  timestamp: string;
  nonce: string;
  signature: string;
  message: string;
}

export type SignedKeyVerifier = (claim: SignedClaim, info: RequestContext, options?: VerifyOptions) => Promise<{ identity: Identity; record: KeyRecord }>;

const challenge = SIGNATURE_SCHEME;
const DUMMY_SALT = 'x'.repeat(16);

/**
 * Every secret is tried, and an unknown key costs the same HMAC as a wrong signature. Whether the
 * matched secret still works is the status decision's (keys/status.ts).
 */
function signatureMatches(record: KeyRecord | null, claim: SignedClaim, versions: VersionSet): StoredSecret | undefined {
  let matched: StoredSecret | undefined;
  const candidates = record?.secrets ?? [{ version: versions.current.version, salt: DUMMY_SALT, notAfter: null, signingPrefix: undefined }];
  for (const stored of candidates) {
    const version = versions.get(stored.version);
    const secret = signingSecret((version ?? versions.current).material, claim.keyId, stored.salt, stored.signingPrefix);
    const ok = safeEqual(hmacSha256Hex(secret, claim.message), claim.signature);
    if (ok && version !== undefined && record) matched = stored as StoredSecret;
  }
  return matched;
}

export function signedKeyVerifier(deps: SignatureDeps): SignedKeyVerifier {
  return async (claim, info, options) => {
    const now = deps.now();
    if (!isFresh(claim.timestamp, now, deps.windowSeconds)) {
      throw new KeywardError('stale_request', `The timestamp is more than ${deps.windowSeconds} s from the server's clock.`, { challenge });
    }
    if (!isKeyId(claim.keyId)) throw new KeywardError('invalid_credential', 'The credential is not a key id.', { challenge });
    const refusal = () => new KeywardError('invalid_signature', 'The signature does not match the request.', { challenge });
    const { record, secret } = await matchingRecord(deps, claim.keyId, info, now, (r, versions) => signatureMatches(r, claim, versions), refusal, options);

    const identity = await counted(deps.useRecorder, record, now, keyIdentity(record, deps.users, info, now, { method: 'signature', challenge, secret }));
    if (record.appCheck) await requireAppCheck(deps.appCheck, info, record.appCheck);

    // Remembered until the timestamp leaves the window (after that the timestamp check refuses it).
    const expireAt = (Number(claim.timestamp) + deps.windowSeconds) * 1000 + 1000;
    if (!(await deps.nonces.claim(claim.keyId, claim.nonce, expireAt))) {
      throw new KeywardError('replayed_request', 'This nonce was already used with this key.', { challenge });
    }
    deps.useRecorder.touch(record.keyId, now, record.ownerUid);
    return { record, identity };
  };
}

/**
 * The request's one Content-Type, which the signature covers. From the raw headers: Node keeps the
 * first of repeated Content-Type headers, another reader might take the last, so repeats are refused.
 */
function signedContentType(info: RequestContext): string | undefined {
  const values: string[] = [];
  for (let i = 0; i + 1 < info.rawHeaders.length; i += 2) if (info.rawHeaders[i]!.toLowerCase() === 'content-type') values.push(info.rawHeaders[i + 1]!);
  if (values.length > 1) throw new KeywardError('invalid_request', 'A signed request carries at most one Content-Type header.');
  // A transport that gives no raw headers (none at all) leaves the header map.
  return info.rawHeaders.length ? values[0] : headerValue(info.headers, 'content-type');
}

/** The pipeline's verifier for `Authorization: Keyward-HMAC-SHA256 <params>`. */
export function signatureVerifier(deps: SignatureDeps) {
  const verify = signedKeyVerifier(deps);
  return async (params: string, info: RequestContext): Promise<Identity> => {
    const parsed = parseSignatureHeader(params);
    if (!parsed.ok) throw new KeywardError('invalid_credential', parsed.reason, { challenge });
    const h = parsed.value;
    const onBehalfOf = info.headers['on-behalf-of'];
    const contentType = signedContentType(info);
    const message = stringToSign({
      timestamp: h.timestamp,
      nonce: h.nonce,
      method: info.method,
      path: info.path,
      rawQuery: info.rawQuery,
      bodySha256: bodySha256Hex(info.rawBody),
      contentType,
      // The pipeline acts on this same value (credentials/pipeline.ts), so what is signed is what is used.
      onBehalfOf: onBehalfOf === undefined ? undefined : String(onBehalfOf),
    });
    return (await verify({ keyId: h.keyId, timestamp: h.timestamp, nonce: h.nonce, signature: h.signature, message }, info)).identity;
  };
}
