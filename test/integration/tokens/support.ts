// Helpers for the access-token and signed-request tests: issuing tokens, the JWKS as a third
// party sees it, and the token signing secret in the Secret Manager emulator.
import { checkAgainstContract } from '../../harness/contract';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyResult } from 'jose';
import { api, type ApiResponse } from '../../harness/auth';
import { loadConfig } from '../../../functions/src/config';
import { BASE_URL, TEST_FUNCTIONS_ENV, TEST_PROJECT_ID } from '../../harness/ports';

// No metadata-server probe from google-auth-library in this process.
process.env.METADATA_SERVER_DETECTION ??= 'none';

export const base = () => process.env.KEYWARD_BASE_URL ?? BASE_URL;
export const TOKEN_SIGNING_SECRET = 'keyward-token-signing';

// The functions' configuration under the test stack (the stack sets KEYWARD_PUBLIC_URL, the default issuer).
const projectId = () => process.env.GOOGLE_CLOUD_PROJECT ?? TEST_PROJECT_ID;
const stackConfig = () => loadConfig({ ...process.env, ...TEST_FUNCTIONS_ENV });
export const issuer = () => stackConfig().tokens.issuer;
export const audience = () => stackConfig().tokens.audience;

export const json = { 'content-type': 'application/json' };

export function issue(body: Record<string, unknown>, headers: Record<string, string> = {}, baseUrl?: string): Promise<ApiResponse> {
  const init = { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify(body) };
  return baseUrl ? fetchJson(`${baseUrl}/v1/auth/issue`, init) : api('/v1/auth/issue', init);
}

export async function issueToken(apiKey: string, headers: Record<string, string> = {}, baseUrl?: string): Promise<string> {
  const res = await issue({ api_key: apiKey }, headers, baseUrl);
  if (res.status !== 200) throw new Error(`issue: ${res.status} ${res.text}`);
  return res.json.token as string;
}

export async function fetchJson(url: string, init: RequestInit = {}): Promise<ApiResponse> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  const text = await res.text();
  let parsed: any;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  checkAgainstContract(init.method ?? 'GET', url, res.status, parsed, res.headers.get('content-type'));
  return { status: res.status, headers: res.headers, json: parsed, text };
}

/** What a service elsewhere does: jose's remote JWKS on our public URL, then jwtVerify. */
export function thirdPartyVerifier(baseUrl = base()) {
  const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', baseUrl));
  return (token: string): Promise<JWTVerifyResult> => jwtVerify(token, jwks, { issuer: issuer(), audience: audience(), algorithms: ['ES256'] });
}

export async function secretManager() {
  const { grpc } = await import('google-gax');
  const { SecretManagerServiceClient } = await import('@google-cloud/secret-manager');
  const [host, port] = (process.env.SECRET_MANAGER_EMULATOR_HOST ?? '').split(':');
  if (!host) throw new Error('SECRET_MANAGER_EMULATOR_HOST is not set: run under the integration global setup');
  return new SecretManagerServiceClient({
    apiEndpoint: host,
    port: Number(port),
    sslCreds: grpc.credentials.createInsecure(),
    projectId: projectId(),
    universeDomain: 'googleapis.com',
  });
}

type Client = Awaited<ReturnType<typeof secretManager>>;

/** Enabled versions of the token signing secret, newest first, with their private JWKs. */
export async function signingVersions(client: Client): Promise<Array<{ version: string; jwk: Record<string, string> }>> {
  const parent = `projects/${projectId()}/secrets/${TOKEN_SIGNING_SECRET}`;
  const [versions] = await client.listSecretVersions({ parent });
  const enabled = versions
    .filter((v) => v.state === 'ENABLED' || (v.state as unknown) === 1)
    .map((v) => String(v.name).split('/').pop()!)
    .sort((a, b) => Number(b) - Number(a));
  const out = [];
  for (const version of enabled) {
    const [res] = await client.accessSecretVersion({ name: `${parent}/versions/${version}` });
    out.push({ version, jwk: JSON.parse(Buffer.from(res.payload!.data as Uint8Array).toString('utf8')) });
  }
  return out;
}

export async function disableVersion(client: Client, version: string): Promise<void> {
  await client.disableSecretVersion({ name: `projects/${projectId()}/secrets/${TOKEN_SIGNING_SECRET}/versions/${version}` });
}

