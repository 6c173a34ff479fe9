// Verifies a Keyward audit export with jose and node:crypto only (docs/audit.md#verifying-without-keyward).
// usage: node audit-verify-example.mjs export.json audit-jwks.json
// Prints {entries, chains, checkpoints, problems}; exits 1 when a problem is found.
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { compactVerify, importJWK, decodeProtectedHeader } from 'jose';

const [exportFile, jwksFile] = process.argv.slice(2);
const data = JSON.parse(readFileSync(exportFile, 'utf8'));
const { keys } = JSON.parse(readFileSync(jwksFile, 'utf8'));

// Canonical JSON: keys sorted at every level, no white space; values as JSON.stringify writes them.
const canonical = (v) =>
  v === null || typeof v !== 'object'
    ? JSON.stringify(v)
    : Array.isArray(v)
      ? `[${v.map(canonical).join(',')}]`
      : `{${Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
const sha256 = (s) => createHash('sha256').update(s).digest('base64url');

const problems = [];
// 1. Checkpoints: keep those whose ES256 signature verifies with a published key.
const heads = new Map(); // chain -> Map(seq -> claims)
for (const { store, jws } of data.checkpoints) {
  try {
    const { kid } = decodeProtectedHeader(jws);
    const jwk = keys.find((k) => k.kid === kid);
    const { payload } = await compactVerify(jws, await importJWK(jwk, 'ES256'), { algorithms: ['ES256'] });
    const c = JSON.parse(Buffer.from(payload).toString('utf8'));
    if (!heads.has(c.chain)) heads.set(c.chain, new Map());
    heads.get(c.chain).set(c.seq, c);
  } catch {
    problems.push(`a checkpoint in ${store} does not verify`);
  }
}
// 2. Entries: each one's hash, each one's link to the one before, by chain.
const chains = new Map();
for (const e of data.entries) {
  const { chain, ...payload } = e.payload;
  if (!chain) {
    problems.push(`entry ${e.insertId} has no chain`);
    continue;
  }
  const hash = sha256(canonical({ chain: { id: chain.id, prev: chain.prev, seq: chain.seq }, payload, severity: e.severity, timestamp: e.timestamp }));
  if (hash !== chain.hash) problems.push(`chain ${chain.id} seq ${chain.seq}: the content does not give its hash`);
  if (!chains.has(chain.id)) chains.set(chain.id, new Map());
  if (chains.get(chain.id).has(chain.seq)) problems.push(`chain ${chain.id} seq ${chain.seq}: two entries`);
  chains.get(chain.id).set(chain.seq, chain);
}
for (const [id, bySeq] of chains) {
  const signed = heads.get(id) ?? new Map();
  const voided = new Set([...signed.values()].flatMap((c) => (c.void ?? []).flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i))));
  const seqs = [...bySeq.keys()];
  const last = Math.max(...seqs, ...[...signed.keys()].filter((s) => signed.get(s).at <= data.to));
  for (let s = Math.min(...seqs); s <= last; s++) {
    const link = bySeq.get(s);
    if (!link) {
      if (!voided.has(s)) problems.push(`chain ${id} seq ${s}: missing`);
      continue;
    }
    const next = bySeq.get(s + 1);
    if (next && next.prev !== link.hash) problems.push(`chain ${id} seq ${s + 1}: does not follow seq ${s}`);
    if (signed.has(s) && signed.get(s).hash !== link.hash) problems.push(`chain ${id} seq ${s}: not the entry the checkpoint signed`);
  }
  const top = Math.max(0, ...signed.keys());
  if (Math.max(...seqs) > top) problems.push(`chain ${id}: seqs after ${top} are covered by no signed checkpoint`);
}
const checkpoints = [...chains.keys()].reduce((n, id) => n + (heads.get(id)?.size ?? 0), 0);
console.log(JSON.stringify({ entries: data.entries.length, chains: chains.size, checkpoints, problems }));
process.exit(problems.length ? 1 : 0);
