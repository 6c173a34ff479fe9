// Helpers of the limit tests: requests to in-process instances, keys with limits, fixed windows.
import type { ApiResponse } from '../../harness/auth';
import { jsonHeaders } from '../../harness/keys';
import { reached } from '../../harness/eventually';
import { fetchJson } from '../tokens/support';

export { fetchJson };

/** Fixed windows start on the minute: wait for a fresh one when the rest of the test may not fit in this one. */
export async function freshMinute(needMs: number): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < needMs) await reached(Date.now() + left + 50);
}

export const meWithKey = (baseUrl: string, key: string) => fetchJson(`${baseUrl}/v1/me`, { headers: { 'x-api-key': key } });

export async function patchKey(baseUrl: string, idToken: string, id: string, body: unknown): Promise<ApiResponse> {
  return fetchJson(`${baseUrl}/v1/keys/${id}`, { method: 'PATCH', headers: jsonHeaders(idToken), body: JSON.stringify(body) });
}

/** A 429 as users check it: the code, `Retry-After` and the `RateLimit-*` fields. */
export function expectLimited(res: ApiResponse, code: 'rate_limited' | 'quota_exceeded', limit: number): number {
  expect([res.status, res.json?.error?.code]).toEqual([429, code]);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
  expect(res.headers.get('ratelimit-limit')).toBe(String(limit));
  expect(res.headers.get('ratelimit-remaining')).toBe('0');
  expect(res.headers.get('ratelimit-reset')).toBe(String(retryAfter));
  return retryAfter;
}

/** A 429 `rate_limited` whose `Retry-After` falls within the limit's window. */
export function expectLimitedAction(res: ApiResponse, limit: number, windowSeconds: number): void {
  const retryAfter = expectLimited(res, 'rate_limited', limit);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
}
