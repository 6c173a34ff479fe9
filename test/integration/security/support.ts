// Helpers for the security pass: users with roles, each credential kind for a user, and the app
// in this process with an in-memory audit sink (to read exactly what a request recorded).
import { connect } from 'node:net';
import { signRequest } from '../../../client/src';
import type { AuditEvent, AuditSink } from '../../../functions/src/audit/events';
import { memoryAuditSink } from '../../harness/memory';
import { adminAuth } from '../../harness/admin';
import { api, createUser, signIn, type TestUser } from '../../harness/auth';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { TEST_HOSTS } from '../../harness/hosts';
import { createKey, type CreatedKey } from '../../harness/keys';
import { fetchJson, issueToken } from '../tokens/support';

export { fetchJson } from '../tokens/support';

/** Whether `check` holds within `timeoutMs`, asking every `stepMs`: waits on the condition, never a fixed time. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, stepMs = 200): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
export { sessionCookie } from '../audit/support';

/** A new user holding `claims`, signed in after they were set (a fresh ID token). */
export async function userWith(claims: Record<string, unknown>): Promise<TestUser> {
  const user = await createUser();
  await adminAuth().setCustomUserClaims(user.uid, claims);
  return signIn(user.email, user.password);
}

/** The app in this process with its audit kept in memory. */
export async function appWithAudit(env: Record<string, string> = {}, audit: AuditSink & { events?: AuditEvent[] } = memoryAuditSink()) {
  const app = await startInProcessApp(env, { audit, resolveHost: TEST_HOSTS });
  return { ...app, events: (audit as { events: AuditEvent[] }).events };
}

/** Headers of each key-based credential kind for a key, at `baseUrl` (an access token is issued there). */
export async function keyCredentials(key: CreatedKey, baseUrl?: string) {
  const token = await issueToken(key.key, {}, baseUrl);
  return {
    apiKey: (): Record<string, string> => ({ 'x-api-key': key.key }),
    accessToken: (): Record<string, string> => ({ authorization: `Bearer ${token}` }),
    signed: (method: string, url: string, body?: string, onBehalfOf?: string): Record<string, string> =>
      signRequest({ keyId: key.id, signingSecret: key.signingSecret }, { method, url, body, onBehalfOf }),
  };
}

export { api, createKey, createUser, fetchJson as fetchAt, type CreatedKey, type InProcessApp, type TestUser };

/**
 * A request with headers exactly as given, repeats included, written to the socket as is: `fetch`
 * joins repeated headers into one value, and Node's client is not made for repeats either.
 */
export function rawRequest(url: string, method: string, headers: [string, string][], body = ''): Promise<{ status: number; json: any }> {
  const target = new URL(url);
  const lines = [`${method} ${target.pathname}${target.search} HTTP/1.1`, `host: ${target.host}`, 'connection: close', `content-length: ${Buffer.byteLength(body)}`];
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.port), target.hostname, () => socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const head = text.indexOf('\r\n\r\n');
      const rest = head === -1 ? '' : text.slice(head + 4);
      // The app answers with a Content-Length body (no chunking) for these small errors.
      resolve({ status, json: rest ? JSON.parse(rest) : undefined });
    });
  });
}

export const json = { 'content-type': 'application/json' };
export { api as hosting };
