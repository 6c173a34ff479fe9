/**
 * One Firestore seen through a function-kit instance's names (config.ts `collectionName`): every
 * `collection(...)` and `doc(...)` path's first segment is renamed, so the stores, written against
 * the plain names (`apiKeys`, `nonces`, ...), read and write only their instance's collections.
 * References, batches and transactions are the real client's: only how a top-level collection is
 * named changes. Collection group queries would cross instances: Keyward makes none.
 */
import type { Firestore } from 'firebase-admin/firestore';

/** Renames the first segment of a slash-separated path. */
function renamed(path: string, name: (collection: string) => string): string {
  const slash = path.indexOf('/');
  return slash === -1 ? name(path) : name(path.slice(0, slash)) + path.slice(slash);
}

export function instanceCollections(db: Firestore, name: (collection: string) => string): Firestore {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'collection') return (path: string) => target.collection(renamed(path, name));
      if (prop === 'doc') return (path: string) => target.doc(renamed(path, name));
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
