// The console's audit page waits out a spent read budget instead of showing an error: which
// answers are such a wait, and how long (console/src/api.ts `rateLimitWait`, shown by console/src/views/audit-wait.ts).
import { ApiError, rateLimitWait as auditWaitOf } from '../../../console/src/api';

describe('audit read budget in the console', () => {
  it('a 429 rate_limited with a wait is a wait of that many seconds', () => {
    expect(auditWaitOf(new ApiError(429, 'rate_limited', 'Too many audit reads; try again in 12 s.', undefined, 12))).toBe(12);
  });

  it('anything else is an error to show: no wait given, another code, another kind of error', () => {
    expect(auditWaitOf(new ApiError(429, 'rate_limited', 'Too many audit reads.'))).toBeUndefined();
    expect(auditWaitOf(new ApiError(429, 'quota_exceeded', 'The credits are used up.', undefined, 86400))).toBeUndefined();
    expect(auditWaitOf(new ApiError(503, 'unavailable', 'The audit log is unavailable.', undefined, 5))).toBeUndefined();
    expect(auditWaitOf(new Error('network'))).toBeUndefined();
  });
});
