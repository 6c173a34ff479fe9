// Malformed keys must be refused without touching the datastore: 1000 of them, of every shape and
// in every header form, against a warm instance, counting the Firestore operations they cause.
import { randomBytes } from 'node:crypto';
import { fns, startApp } from './functions';
import { createKey, createUser } from './fixtures';

export interface RejectResults {
  requests: number;
  malformedDatastoreReads: number;
  malformedDatastoreWrites: number;
  /** Status → count of the answers (all should be 401). */
  statuses: Record<string, number>;
}

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const b62 = (n: number) => Array.from(randomBytes(n), (b) => ALPHABET[b % 62]).join('');
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Changes one checksum character so the key keeps its shape but fails its checksum. */
function breakChecksum(key: string): string {
  const parse = fns.format().parseKey;
  for (;;) {
    const i = key.length - 1 - (randomBytes(1)[0]! % 6);
    const broken = key.slice(0, i) + ALPHABET[randomBytes(1)[0]! % 62] + key.slice(i + 1);
    if (broken !== key && !parse(broken)) return broken;
  }
}

/** The i-th malformed credential: headers of a request that must be refused before any lookup. */
function malformed(i: number, realKey: string): Record<string, string> {
  const [, realId] = realKey.split('_') as [string, string, string];
  const shaped = () => `server_${b62(16)}_${b62(38)}`;
  switch (i % 9) {
    case 0: // a real key id, bad checksum
      return { authorization: `Bearer ${breakChecksum(realKey)}` };
    case 1: // the right shape, bad checksum
      return { 'x-api-key': breakChecksum(shaped()) };
    case 2: // unknown type
      return { 'x-api-key': `admin_${b62(16)}_${b62(38)}` };
    case 3: // truncated
      return { authorization: `ApiKey ${realKey.slice(0, 20 + (i % 30))}` };
    case 4: // characters outside the alphabet
      return { authorization: `Bearer server_${b62(8)}-${b62(7)}_${b62(38)}` };
    case 5: // too long
      return { 'x-api-key': `${shaped()}${b62(20)}` };
    case 6: // pair form, bad checksum, real key id
      return { authorization: `ApiKey ${b64(`${realId}:${breakChecksum(realKey).split('_')[2]}`)}` };
    case 7: // X-API-Key + X-API-Secret, bad checksum
      return { 'x-api-key': b64(realId), 'x-api-secret': b64(breakChecksum(shaped()).split('_')[2]!) };
    default: // garbage
      return { 'x-api-key': randomBytes(24).toString('base64url') };
  }
}

export async function benchReject(opts: { env: NodeJS.ProcessEnv; authHost: string; count: number }): Promise<RejectResults> {
  const app = await startApp(opts.env);
  try {
    const user = await createUser(opts.authHost);
    const real = await createKey(app.url, user, 'bench reject');
    const requests = Array.from({ length: opts.count }, (_, i) => malformed(i, real.key));
    const s = app.services;
    const before = { reads: s.keyStore.stats.reads + s.rateCounters.stats.reads, writes: s.keyStore.stats.writes + s.nonces.stats.writes + s.rateCounters.stats.writes };
    const statuses: Record<string, number> = {};
    // A few at a time, like clients would send them.
    for (let i = 0; i < requests.length; i += 10) {
      const answers = await Promise.all(requests.slice(i, i + 10).map((headers) => fetch(`${app.url}/v1/me`, { headers })));
      for (const res of answers) {
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        await res.arrayBuffer();
      }
    }
    const after = { reads: s.keyStore.stats.reads + s.rateCounters.stats.reads, writes: s.keyStore.stats.writes + s.nonces.stats.writes + s.rateCounters.stats.writes };
    return { requests: requests.length, malformedDatastoreReads: after.reads - before.reads, malformedDatastoreWrites: after.writes - before.writes, statuses };
  } finally {
    await app.close();
  }
}
