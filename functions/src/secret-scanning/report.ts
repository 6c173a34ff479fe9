/**
 * A GitHub secret-scanning report and Keyward's answer. Pure.
 * - the signature: ECDSA P-256 with SHA-256 over the raw body bytes, base64 DER;
 * - the body: a JSON array of `{token, type, url, source}`;
 * - the answer: `[{token_hash, token_type, label}]`, the token only as its SHA-256 (hex).
 */
import { createHash, verify, type KeyObject } from 'node:crypto';

export interface ReportedToken {
  token: string;
  type: string;
  url?: string;
  source?: string;
}

export type Label = 'true_positive' | 'false_positive';

export interface Feedback {
  token_hash: string;
  token_type: string;
  label: Label;
}

const MAX_ITEMS = 1000;
const MAX_TOKEN_LENGTH = 1024;
const MAX_FIELD_LENGTH = 2048;
const BASE64 = /^[A-Za-z0-9+/]{16,200}={0,2}$/;

/** True when `signature` (base64 DER) is `key`'s signature of exactly these bytes. Never throws. */
export function signatureValid(body: Buffer, signature: string, key: KeyObject): boolean {
  if (!BASE64.test(signature)) return false;
  try {
    return verify('sha256', body, { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

const optionalText = (v: unknown) => (typeof v === 'string' && v.length <= MAX_FIELD_LENGTH ? v : undefined);

/** The report's items; undefined when the body is not a JSON array of objects with a string token. */
export function parseReport(body: Buffer): ReportedToken[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length > MAX_ITEMS) return undefined;
  const items: ReportedToken[] = [];
  for (const item of parsed as unknown[]) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
    const { token, type, url, source } = item as Record<string, unknown>;
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
    items.push({ token, type: optionalText(type) ?? '', url: optionalText(url), source: optionalText(source) });
  }
  return items;
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
