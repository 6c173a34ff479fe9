/**
 * API key records in Firestore, collection `apiKeys`, one document per key id. A record holds
 * metadata and HMAC digests only: never a secret. Reads are counted (benchmarks and tests
 * assert that malformed keys cost none).
 */
import type { Firestore } from 'firebase-admin/firestore';
import type { KeyType } from '../keys/format';
import { datastoreCall, DEFAULT_DATASTORE_TIMEOUT_MS } from './datastore';

export interface StoredSecret {
  /** HMAC-SHA256 of the secret under provider secret version `version`. */
  digest: string;
  version: string;
  /** Salt of the derived signing secret (not secret by itself). */
  salt: string;
  /** Epoch ms after which this secret stops working (the regeneration grace period); null = no end. */
  notAfter: number | null;
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
  /** The current secret first, then any still in their grace period. */
  secrets: StoredSecret[];
}

export interface KeyStore {
  /** Fails with `conflict` semantics (returns false) when the id exists. */
  create(record: KeyRecord): Promise<boolean>;
  get(keyId: string): Promise<KeyRecord | undefined>;
  listByOwner(ownerUid: string, limit: number): Promise<KeyRecord[]>;
  update(keyId: string, patch: Partial<KeyRecord>): Promise<void>;
  /** Removes a record: only to undo a creation that could not be audited. */
  delete(keyId: string): Promise<void>;
  readonly stats: { reads: number; writes: number };
}

const ALREADY_EXISTS = 6;

/** Each call waits at most `timeoutMs`; an unreachable Firestore is a 503 (store/datastore.ts). */
export function firestoreKeyStore(db: () => Firestore, timeoutMs = DEFAULT_DATASTORE_TIMEOUT_MS): KeyStore {
  const stats = { reads: 0, writes: 0 };
  const col = () => db().collection('apiKeys');
  const call = <T>(op: () => Promise<T>) => datastoreCall(timeoutMs, op);
  return {
    stats,
    async create(record) {
      stats.writes++;
      return call(async () => {
        try {
          await col().doc(record.keyId).create(record);
          return true;
        } catch (err) {
          if ((err as { code?: number }).code === ALREADY_EXISTS) return false;
          throw err;
        }
      });
    },
    async get(keyId) {
      stats.reads++;
      const snap = await call(() => col().doc(keyId).get());
      return snap.exists ? (snap.data() as KeyRecord) : undefined;
    },
    async listByOwner(ownerUid, limit) {
      stats.reads++;
      const snap = await call(() => col().where('ownerUid', '==', ownerUid).orderBy('createdAt', 'desc').limit(limit).get());
      return snap.docs.map((d) => d.data() as KeyRecord);
    },
    async update(keyId, patch) {
      stats.writes++;
      await call(() => col().doc(keyId).update(patch));
    },
    async delete(keyId) {
      stats.writes++;
      await call(() => col().doc(keyId).delete());
    },
  };
}
