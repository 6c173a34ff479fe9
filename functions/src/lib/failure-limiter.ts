/**
 * Counts failed verifications per client address and per key id in fixed one-minute windows,
 * in memory. Only failures count, and a valid credential is always accepted, so a shared
 * address (NAT, office) never locks out a good key; a limited client gets 429 instead of 401.
 */
export interface FailureLimiter {
  /** Records a failure; returns the seconds to wait when any of the subjects is over the limit. */
  fail(subjects: string[], now: number): number | undefined;
}

export function failureLimiter(limitPerMinute: number, maxSubjects = 100_000): FailureLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    fail(subjects, now) {
      let retryAfter: number | undefined;
      for (const subject of subjects) {
        let w = windows.get(subject);
        if (!w || now - w.start >= 60_000) {
          w = { start: now, count: 0 };
          windows.delete(subject);
          windows.set(subject, w);
          if (windows.size > maxSubjects) windows.delete(windows.keys().next().value as string);
        }
        w.count++;
        if (w.count > limitPerMinute) {
          retryAfter = Math.max(retryAfter ?? 0, Math.ceil((w.start + 60_000 - now) / 1000));
        }
      }
      return retryAfter;
    },
  };
}
