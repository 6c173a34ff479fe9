// A stand-in for GitHub in the secret-scanning tests: its own P-256 key pairs, the meta endpoint
// that lists their public keys (served from a loopback port), and reports signed as GitHub signs them.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GithubSigner {
  identifier: string;
  privateKey: KeyObject;
  publicPem: string;
}

/** A key pair named as GitHub names its keys (a SHA-256 hex identifier). */
export function newSigner(): GithubSigner {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return { identifier: createHash('sha256').update(der).digest('hex'), privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** Base64 DER ECDSA-SHA256 signature of the exact bytes, as in `Github-Public-Key-Signature`. */
export const signBody = (body: string | Buffer, signer: GithubSigner) => sign('sha256', Buffer.from(body), { key: signer.privateKey, dsaEncoding: 'der' }).toString('base64');

export interface FakeGithub {
  /** The meta URL to configure as KEYWARD_GITHUB_KEYS_URL. */
  url: string;
  /** The keys the meta endpoint lists now. */
  published: GithubSigner[];
  /** How many times the meta endpoint was fetched. */
  fetches: number;
  /** When set, the meta endpoint answers with this status (403/429: rate limited) instead. */
  failWith?: number;
  close(): Promise<void>;
}

export async function startFakeGithub(published: GithubSigner[]): Promise<FakeGithub> {
  const state = { published, fetches: 0, failWith: undefined as number | undefined };
  const server: Server = createServer((req, res) => {
    if (req.url !== '/meta/public_keys/secret_scanning') return void res.writeHead(404).end();
    state.fetches++;
    if (state.failWith) return void res.writeHead(state.failWith, { 'content-type': 'application/json' }).end('{"message":"API rate limit exceeded"}');
    const body = { public_keys: state.published.map((s, i) => ({ key_identifier: s.identifier, key: s.publicPem, is_current: i === 0 })) };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/meta/public_keys/secret_scanning`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }) as FakeGithub;
}

export interface Report {
  token: string;
  type: string;
  url: string;
  source: string;
}

export const report = (token: string, type = 'keyward_api_key'): Report => ({
  token,
  type,
  url: 'https://github.com/octocat/Hello-World/blob/12345600b9cbe38a219f39a9941c9319b600c002/config/keys.txt',
  source: 'content',
});

/** Sends a report to a Keyward instance as GitHub does: the raw body, its identifier and signature. */
export async function sendReport(
  baseUrl: string,
  body: string,
  signer: GithubSigner | undefined,
  opts: { signed?: string; identifier?: string } = {},
): Promise<{ status: number; json: any; text: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signer) {
    headers['github-public-key-identifier'] = opts.identifier ?? signer.identifier;
    headers['github-public-key-signature'] = signBody(opts.signed ?? body, signer);
  }
  const res = await fetch(`${baseUrl}/v1/secret-scanning/github`, { method: 'POST', headers, body });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}
