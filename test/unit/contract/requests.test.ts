// The requests Keyward validates are validated by the very schemas the OpenAPI document shows
// (contract/requests.ts), and a refusal names its field as a JSON pointer (contract/parse.ts).
import { OPERATIONS } from '../../../functions/src/contract/operations';
import { parseRequest } from '../../../functions/src/contract/parse';
import { REQUESTS } from '../../../functions/src/contract/requests';

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    const e = err as { code: string; message: string; details: { field?: string } };
    return { code: e.code, message: e.message, field: e.details.field };
  }
  throw new Error('accepted');
};

describe('contract requests', () => {
  it('each validated request is the schema its operation documents', () => {
    const body = (op: string) => OPERATIONS[op]!.body!.schema;
    expect(body('POST /v1/keys')).toBe(REQUESTS.keyCreate);
    expect(body('PATCH /v1/keys/:id')).toBe(REQUESTS.keyPatch);
    expect(body('POST /v1/keys/:id/regenerate')).toBe(REQUESTS.regenerate);
    expect(body('POST /v1/auth/session')).toBe(REQUESTS.session);
    expect(body('PATCH /v1/me/limits')).toBe(REQUESTS.ownerLimits);
    // Queries are documented parameter by parameter: the validating object is made of the same schemas.
    for (const [op, name] of [['GET /v1/audit', 'auditQuery'], ['GET /v1/usage', 'usageQuery'], ['GET /v1/audit/verify', 'range']] as const) {
      expect([op, OPERATIONS[op]!.query]).toEqual([op, REQUESTS[name].shape]);
    }
  });

  it('names the wrong field as a JSON pointer, unknown fields first, a list by its name', () => {
    expect(refusal(() => parseRequest('keyCreate', { name: 'x', 'a/b~c': 1, scopes: 'all' }))).toEqual({ code: 'invalid_request', message: 'Unknown field: a/b~c.', field: '/a~1b~0c' });
    expect(refusal(() => parseRequest('keyCreate', { name: 'x', allowedIps: ['10.0.0.0/8', 'nope'] }))).toEqual({ code: 'invalid_request', message: 'allowedIps has an invalid entry: "nope".', field: '/allowedIps' });
    expect(refusal(() => parseRequest('keyCreate', {}))).toEqual({ code: 'invalid_request', message: 'name is required.', field: '/name' });
    expect(refusal(() => parseRequest('keyCreate', { name: 7 }))).toEqual({ code: 'invalid_request', message: 'name must be a string.', field: '/name' });
    expect(refusal(() => parseRequest('ownerLimits', { credits: { remaining: 1, refill: { amount: 1, interval: 'week' } } }))).toEqual({
      code: 'invalid_request',
      message: 'credits.refill.interval must be day or month.',
      field: '/credits/refill/interval',
    });
    // A whole sentence is shown as written, and a refusal of the whole body names no field.
    expect(refusal(() => parseRequest('keyCreate', { name: 'x', type: 'web' }))).toEqual({ code: 'invalid_request', message: 'A web key needs at least one allowed origin.', field: '/allowedOrigins' });
    expect(refusal(() => parseRequest('keyPatch', {}))).toEqual({ code: 'invalid_request', message: expect.stringMatching(/^Nothing to change: send one or more of name, scopes/), field: undefined });
    expect(refusal(() => parseRequest('auditQuery', { from: '2027-01-02T00:00:00Z', to: '2027-01-01T00:00:00Z' }))).toEqual({ code: 'invalid_request', message: 'from must not be after to.', field: '/from' });
  });

  it('returns what was sent, typed, and nothing else', () => {
    expect(parseRequest('keyCreate', { name: 'reports', type: 'web', allowedOrigins: ['https://a.example'], metadata: { team: 'b' } })).toEqual({ name: 'reports', type: 'web', allowedOrigins: ['https://a.example'], metadata: { team: 'b' } });
    expect(parseRequest('auditQuery', { pageSize: '25', kind: 'changes' })).toEqual({ pageSize: '25', kind: 'changes' });
    expect(parseRequest('regenerate', {})).toEqual({});
  });
});
