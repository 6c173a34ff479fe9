// What the console and <keyward-api-keys> offer for a key, and how they name its status (console/src/format/keys.ts).
import { ACTION_LABELS, keyActionsFor, statusText } from '../../../console/src/format/keys';

describe('key actions and status words, shared by the console and the element', () => {
  it('offers what the API still allows in each status', () => {
    expect(keyActionsFor('active')).toEqual(['regenerate', 'pause', 'revoke']);
    expect(keyActionsFor('disabled')).toEqual(['resume', 'revoke']);
    expect(keyActionsFor('revoked')).toEqual([]);
    expect(keyActionsFor('expired')).toEqual([]);
    expect(keyActionsFor('active').map((a) => ACTION_LABELS[a])).toEqual(['Regenerate', 'Pause', 'Revoke']);
  });

  it('calls a disabled key paused, and names an old secret’s grace period', () => {
    expect(statusText({ status: 'active', previousSecretValidUntil: null })).toBe('active');
    expect(statusText({ status: 'disabled' })).toBe('paused');
    const text = statusText({ status: 'active', previousSecretValidUntil: '2030-01-02T03:04:00Z' });
    expect(text).toMatch(/^active \(old secret works until .*2030.*\)$/);
  });
});
