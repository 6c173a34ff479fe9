// GitHub's public-key list (functions/src/secret-scanning/github-keys.ts): cached, fetched again once
// on an unknown identifier (spaced), the stale list kept when a fetch fails, 503 only with no list.
import { generateKeyPairSync } from 'node:crypto';
import { githubKeyring } from '../../../functions/src/secret-scanning/github-keys';
import { parseReport, signatureValid, tokenHash } from '../../../functions/src/secret-scanning/report';
import { sign } from 'node:crypto';

const pem = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

function fakeMeta(initial: Record<string, string>) {
  const state = { keys: initial, calls: 0, fail: undefined as undefined | number | 'throw' };
  const fetchFn = (async () => {
    state.calls++;
    if (state.fail === 'throw') throw new Error('ECONNREFUSED');
    if (state.fail) return new Response('{"message":"rate limited"}', { status: state.fail });
    return Response.json({ public_keys: Object.entries(state.keys).map(([key_identifier, key]) => ({ key_identifier, key, is_current: true })) });
  }) as typeof fetch;
  return { state, fetchFn };
}

describe('githubKeyring', () => {
  let clock = 0;
  const now = () => clock;
  const options = (fetchFn: typeof fetch) => ({ url: 'http://meta', ttlMs: 3_600_000, refetchAfterMs: 60_000, timeoutMs: 1000, now, fetch: fetchFn });

  beforeEach(() => (clock = 1_000_000));

  it('fetches once, then serves from the cache', async () => {
    const { state, fetchFn } = fakeMeta({ k1: pem() });
    const ring = githubKeyring(options(fetchFn));
    expect(await ring.find('k1')).toBeDefined();
    expect(await ring.find('k1')).toBeDefined();
    expect(state.calls).toBe(1);
  });

  it('fetches again on an unknown identifier, at most once per refetch interval', async () => {
    const { state, fetchFn } = fakeMeta({ k1: pem() });
    const ring = githubKeyring(options(fetchFn));
    await ring.find('k1');
    clock += 60_000;
    state.keys = { k1: state.keys.k1!, k2: pem() };
    expect(await ring.find('k2')).toBeDefined();
    expect(state.calls).toBe(2);
    expect(await ring.find('forged')).toBeUndefined(); // within the interval: no fetch
    expect(state.calls).toBe(2);
    clock += 60_000;
    expect(await ring.find('forged')).toBeUndefined();
    expect(state.calls).toBe(3);
  });

  it.each([[429], [403], [500], ['throw' as const]])('keeps the stale list when a fetch answers %s', async (fail) => {
    const { state, fetchFn } = fakeMeta({ k1: pem() });
    const ring = githubKeyring(options(fetchFn));
    await ring.find('k1');
    state.fail = fail;
    clock += 3_600_001; // past the TTL
    expect(await ring.find('k1')).toBeDefined();
    expect(state.calls).toBe(2);
  });

  it('fails closed (503) when it has never had a list', async () => {
    const { state, fetchFn } = fakeMeta({});
    state.fail = 429;
    const ring = githubKeyring(options(fetchFn));
    await expect(ring.find('k1')).rejects.toMatchObject({ code: 'unavailable', details: { retryAfterSeconds: 60 } });
  });

  it.each([[429], [503], ['throw' as const]])('with no list held, fetches at most once per refetch interval while GitHub answers %s', async (fail) => {
    const { state, fetchFn } = fakeMeta({ k1: pem() });
    state.fail = fail;
    const ring = githubKeyring(options(fetchFn));
    for (let i = 0; i < 30; i++) await expect(ring.find(`forged-${i}`)).rejects.toMatchObject({ code: 'unavailable' });
    expect(state.calls).toBe(1);
    clock += 60_000;
    state.fail = undefined;
    expect(await ring.find('k1')).toBeDefined();
    expect(state.calls).toBe(2);
  });

  it('concurrent lookups share the one fetch under way', async () => {
    const { state, fetchFn } = fakeMeta({ k1: pem() });
    const ring = githubKeyring(options(fetchFn));
    const found = await Promise.all(Array.from({ length: 30 }, (_, i) => ring.find(i % 2 ? 'k1' : `forged-${i}`)));
    expect(found.map((k) => k !== undefined)).toEqual(Array.from({ length: 30 }, (_, i) => i % 2 === 1));
    expect(state.calls).toBe(1);
  });

  it('skips keys that are not P-256 public keys', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const { fetchFn } = fakeMeta({ good: pem(), rsa, junk: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' });
    const ring = githubKeyring(options(fetchFn));
    expect(await ring.find('good')).toBeDefined();
    expect(await ring.find('rsa')).toBeUndefined();
    expect(await ring.find('junk')).toBeUndefined();
  });
});

describe('report parsing and signatures', () => {
  it('verifies base64 DER signatures over the exact bytes, and never throws', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const body = Buffer.from('[{"token":"x","type":"t","url":"u","source":"content"}]');
    const sig = sign('sha256', body, { key: privateKey, dsaEncoding: 'der' }).toString('base64');
    expect(signatureValid(body, sig, publicKey)).toBe(true);
    expect(signatureValid(Buffer.concat([body, Buffer.from(' ')]), sig, publicKey)).toBe(false);
    for (const bad of ['', 'not base64', 'AAAA', Buffer.alloc(64).toString('base64'), 'A'.repeat(500)]) expect(signatureValid(body, bad, publicKey)).toBe(false);
  });

  it('accepts only a JSON array of objects with a string token', () => {
    expect(parseReport(Buffer.from('[{"token":"a","type":"t","url":"u","source":"s"}]'))).toEqual([{ token: 'a', type: 't', url: 'u', source: 's' }]);
    expect(parseReport(Buffer.from('[]'))).toEqual([]);
    for (const bad of ['{}', '"x"', '[1]', '[{"type":"t"}]', '[{"token":""}]', 'nope', '[null]']) expect(parseReport(Buffer.from(bad))).toBeUndefined();
  });

  it('hashes tokens as SHA-256 hex', () => {
    expect(tokenHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
