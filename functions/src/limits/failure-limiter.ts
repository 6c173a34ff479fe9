/**
 * Failed verifications, counted across instances on the shared limiter: per client address
 * (config.failureLimitPerMinute a minute) and per key id (config.failureLimitPerKeyHour an hour,
 * at most 100 as OWASP ASVS asks). Only failures count, and a valid credential is always
 * accepted, so a shared address (NAT, office) never locks out a good key; a limited client gets
 * 429 instead of 401. Guesses at key ids that do not exist count against the address only: they
 * have no secret to guess, and a counter per made-up id would cost a write per request.
 */
import type { Limiter } from './limiter';
import { allowanceOf, type Rule } from './rules';

export interface FailureLimiter {
  /** Records a failure; returns the seconds to wait when the address or the key id is over its limit. */
  fail(subjects: { ip: string; keyId?: string }, now: number): Promise<number | undefined>;
}

export function failureLimiter(limiter: Limiter, rules: { perAddress: Rule; perKey: Rule }): FailureLimiter {
  return {
    async fail({ ip, keyId }, now) {
      const allowances = [allowanceOf('fail-ip', ip, rules.perAddress, now)];
      if (keyId !== undefined) allowances.push(allowanceOf('fail-key', keyId, rules.perKey, now));
      const decisions = await Promise.all(allowances.map((a) => limiter.take(a)));
      const refused = decisions.filter((d) => !d.allowed);
      return refused.length ? Math.max(...refused.map((d) => d.resetSeconds)) : undefined;
    },
  };
}
