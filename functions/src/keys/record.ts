/**
 * The key record and the port that stores it. A record holds metadata and HMAC digests only:
 * never a secret. The Firestore adapter is store/keys.ts; tests use an in-memory one.
 */
import type { KeyType } from '../identity';
import type { UseFlush } from './use-recorder';
import type { StoredCredits, RequestLimits } from './limits';

export interface StoredSecret {
  /** HMAC-SHA256 of the secret under provider secret version `version`. */
  digest: string;
  version: string;
  /** Salt of the derived signing secret (not secret by itself). */
  salt: string;
  /** Epoch ms after which this secret stops working (the regeneration grace period); null = no end. */
  notAfter: number | null;
  /**
   * The deployment prefix its signing secret was minted with ('' for none): the signing secret
   * has the traceable form that names its key. Absent on secrets minted before that form.
   */
  signingPrefix?: string;
}

export interface KeyRecord {
  keyId: string;
  ownerUid: string;
  name: string;
  type: KeyType;
  /** null = the owner's full permissions. */
  scopes: string[] | null;
  allowedOrigins: string[];
  allowedIps: string[];
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  regeneratedAt: number | null;
  lastUsedAt: number | null;
  /** Set while the owner has paused the key (PATCH `disabled`): refused like a revoked key. Absent on older records. */
  disabledAt?: number | null;
  /** The owner's small JSON object (PATCH `metadata`), shown in key views. */
  metadata?: Record<string, unknown> | null;
  /** The current secret first, then any still in their grace period. */
  secrets: StoredSecret[];
  /** `web` and `mobile` keys: an App Check token from one of these apps is required (credentials/app-check.ts). Absent or null: none. */
  appCheck?: { appIds: string[]; consume: boolean } | null;
  /** The key's allowance: request limits and credits (limits/plan.ts); absent: only the key type's limits apply. */
  limits?: RequestLimits | null;
  credits?: StoredCredits | null;
  /** The active-key cap slot this key holds (store/key-slots.ts); absent on keys made before slots. */
  slotId?: string;
  /** A team key: the team that owns it (`ownerUid` is then `team:<id>`) and the member who created it. */
  team?: string;
  createdBy?: string;
  /** Counts the changes made through `KeyStore.change` (absent: 0): what a conditional write is conditional on. */
  revision?: number;
}

/** The revision a record is at (records made before revisions are at 0). */
export const revisionOf = (record: Pick<KeyRecord, 'revision'>): number => record.revision ?? 0;

export interface KeyStore {
  /** Fails with `conflict` semantics (returns false) when the id exists. */
  create(record: KeyRecord): Promise<boolean>;
  get(keyId: string): Promise<KeyRecord | undefined>;
  listByOwner(ownerUid: string, limit: number): Promise<KeyRecord[]>;
  /**
   * Applies `patch` only if the record is still at `revision`, and moves it to `revision + 1`:
   * false when another change came first (the caller re-reads, or answers 409). Every change of
   * a key's state goes through here, so concurrent changes never overwrite each other.
   */
  change(keyId: string, revision: number, patch: Partial<KeyRecord>): Promise<boolean>;
  /** Removes a record: only to undo a creation that could not be audited. */
  delete(keyId: string): Promise<void>;
  /**
   * One write (a batch, one commit) per key per minute (keys/use-recorder.ts): the key's `lastUsedAt`
   * and the counts added to its usage documents `usage/{keyId}_{yyyy-mm-dd}` (store/usage.ts).
   */
  recordUse(ownerUid: string, flush: UseFlush): Promise<void>;
  readonly stats: { reads: number; writes: number };
}
