/** The limits form: what a person sees, and the change they made as an API request. Pure. */
/** A key's (or an owner's) allowance, `limits` and `credits`, as the API shows them (functions/src/keys/limits.ts). */
export interface RequestLimits {
  requestsPerMinute?: number;
  requestsPerDay?: number;
}

export interface CreditsView {
  remaining: number;
  refill?: { amount: number; interval: 'day' | 'month' };
  nextRefillAt: string | null;
}

export interface LimitsAndCredits {
  limits: RequestLimits | null;
  credits: CreditsView | null;
}

/** The limits form's fields, as typed: empty means "none". */
export interface LimitsForm {
  requestsPerMinute: string;
  requestsPerDay: string;
  credits: string;
  refillAmount: string;
  refillInterval: string;
}

/** The form as it starts for `current`: what a person sees before changing anything. */
export function limitsFormOf(current: LimitsAndCredits): LimitsForm {
  const text = (n: number | undefined) => (n === undefined ? '' : String(n));
  return {
    requestsPerMinute: text(current.limits?.requestsPerMinute),
    requestsPerDay: text(current.limits?.requestsPerDay),
    credits: text(current.credits?.remaining),
    refillAmount: text(current.credits?.refill?.amount),
    refillInterval: current.credits?.refill?.interval ?? 'month',
  };
}

/**
 * The `limits` and `credits` to send for a changed form: only the part that changed, because
 * setting credits starts a fresh count. `{error}` names the field a person must fix.
 */
export function limitsChange(before: LimitsForm, after: LimitsForm): { change: Record<string, unknown> } | { error: string; field: keyof LimitsForm } {
  const whole = (field: keyof LimitsForm): number | undefined | 'bad' => {
    const text = after[field].trim();
    if (!text) return undefined;
    return /^\d+$/.test(text) ? Number(text) : 'bad';
  };
  const fields = ['requestsPerMinute', 'requestsPerDay', 'credits', 'refillAmount'] as const;
  for (const field of fields) if (whole(field) === 'bad') return { error: 'Enter a whole number, or leave it empty for none.', field };
  const change: Record<string, unknown> = {};
  const changed = (...names: (keyof LimitsForm)[]) => names.some((n) => before[n].trim() !== after[n].trim());
  if (changed('requestsPerMinute', 'requestsPerDay')) {
    const limits: RequestLimits = {};
    const perMinute = whole('requestsPerMinute') as number | undefined;
    const perDay = whole('requestsPerDay') as number | undefined;
    if (perMinute !== undefined) limits.requestsPerMinute = perMinute;
    if (perDay !== undefined) limits.requestsPerDay = perDay;
    change.limits = Object.keys(limits).length ? limits : null;
  }
  const refillAmount = whole('refillAmount') as number | undefined;
  if (changed('credits', 'refillAmount') || (refillAmount !== undefined && changed('refillInterval'))) {
    const remaining = whole('credits') as number | undefined;
    if (remaining === undefined && refillAmount !== undefined) return { error: 'Set the credits to start from, or clear the refill.', field: 'credits' };
    change.credits = remaining === undefined ? null : { remaining, ...(refillAmount !== undefined ? { refill: { amount: refillAmount, interval: after.refillInterval } } : {}) };
  }
  return { change };
}
