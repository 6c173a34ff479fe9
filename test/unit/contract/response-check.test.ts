// The integration tests' check of every response against docs/openapi.json (test/harness/contract.ts):
// it must fail on a wrong body or an undeclared status, or it proves nothing.
import { checkAgainstContract } from '../../harness/contract';

const JSON_TYPE = 'application/json; charset=utf-8';

describe('checking a response against the committed document', () => {
  it('passes what the contract says, and fails a wrong body, an undeclared status or a missing one', () => {
    expect(() => checkAgainstContract('GET', 'http://127.0.0.1:1/v1/health', 200, { status: 'ok' }, JSON_TYPE)).not.toThrow();
    expect(() => checkAgainstContract('GET', '/v1/health', 200, { status: 'fine' }, JSON_TYPE)).toThrow(/does not match docs\/openapi.json/);
    expect(() => checkAgainstContract('GET', '/v1/health', 200, { status: 'ok', extra: 1 }, JSON_TYPE)).toThrow(/does not match/);
    expect(() => checkAgainstContract('GET', '/v1/keys/abc', 418, undefined, null)).toThrow(/does not declare/);
    expect(() => checkAgainstContract('DELETE', '/v1/keys/abc', 404, { error: { code: 'not_found', message: 'No such key.' } }, JSON_TYPE)).not.toThrow();
    expect(() => checkAgainstContract('DELETE', '/v1/keys/abc', 404, { error: { code: 'not_found' } }, JSON_TYPE)).toThrow(/does not match/);
    expect(() => checkAgainstContract('POST', '/oauth/token', 401, { error: 'invalid_client', error_description: 'No.' }, JSON_TYPE)).not.toThrow();
    expect(() => checkAgainstContract('POST', '/oauth/token', 401, { error: { code: 'invalid_client', message: 'No.' } }, JSON_TYPE)).toThrow(/does not match/);
  });

  it('leaves alone what is not the contract: other paths, methods a path does not have', () => {
    expect(() => checkAgainstContract('GET', '/keys.html', 200, undefined, 'text/html')).not.toThrow();
    expect(() => checkAgainstContract('PUT', '/v1/health', 405, { error: { code: 'method_not_allowed', message: 'Use GET on this path.' } }, JSON_TYPE)).not.toThrow();
  });
});
