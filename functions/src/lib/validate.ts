/**
 * What is left of the hand-written body checks: the webhook settings (notifications/webhooks.ts)
 * still read their one field with them. Every other request is validated by its contract schema
 * (contract/parse.ts); the webhook body's schema (`WebhookBody`) is ready for the same move.
 */
import { invalidField } from '../errors';
import type { Body } from '../request';
import { hasLoneSurrogate } from './strict-json';

export type { Body };

export function onlyFields(body: Body, allowed: readonly string[]): void {
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  if (extra.length) throw invalidField(extra[0]!, `Unknown field${extra.length > 1 ? 's' : ''}: ${extra.slice(0, 5).map((f) => f.slice(0, 40)).join(', ')}.`);
}

export function requiredString(body: Body, field: string, opts: { max: number }): string {
  const value = body[field];
  if (value === undefined) throw invalidField(field, `${field} is required.`);
  if (typeof value !== 'string') throw invalidField(field, `${field} must be a string.`);
  if (value.length < 1 || value.length > opts.max) throw invalidField(field, `${field} must be 1 to ${opts.max} characters.`);
  if (hasLoneSurrogate(value)) throw invalidField(field, `${field} has characters that are not allowed.`);
  return value;
}
