// CORS of the REST API (functions/src/http/cors.ts): the listed origins only, never credentials.
import { CORS_EXPOSED_HEADERS, corsAnswer } from '../../../functions/src/http/cors';

const LISTED = ['https://app.example.com'];
const req = (over: Partial<Parameters<typeof corsAnswer>[0]> = {}) => ({ method: 'GET', path: '/v1/keys', origin: 'https://app.example.com', requestMethod: undefined, ...over });

describe('corsAnswer', () => {
  it('answers a listed origin’s preflight with its origin, the methods and Authorization, never credentials', () => {
    expect(corsAnswer(req({ method: 'OPTIONS', requestMethod: 'POST' }), LISTED)).toEqual({
      kind: 'preflight',
      headers: {
        'Access-Control-Allow-Origin': 'https://app.example.com',
        'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type',
        'Access-Control-Max-Age': '600',
        Vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
      },
    });
  });

  it('lets a listed origin read an answer and its rate-limit headers', () => {
    expect(corsAnswer(req(), LISTED)).toEqual({
      kind: 'actual',
      headers: { 'Access-Control-Allow-Origin': 'https://app.example.com', 'Access-Control-Expose-Headers': CORS_EXPOSED_HEADERS, Vary: 'Origin' },
    });
    // The origin as browsers send it matches the listed one however the list spelled it.
    expect(corsAnswer(req({ origin: 'https://app.example.com' }), ['https://APP.example.com']).kind).toBe('actual');
  });

  it.each([
    ['another origin', { origin: 'https://evil.example' }],
    ['a sibling subdomain', { origin: 'https://x.app.example.com' }],
    ['another scheme', { origin: 'http://app.example.com' }],
    ['another port', { origin: 'https://app.example.com:8443' }],
    ['Origin: null', { origin: 'null' }],
    ['no Origin', { origin: undefined }],
  ])('gives %s no CORS header (only Vary)', (_name, over) => {
    expect(corsAnswer(req(over), LISTED)).toEqual({ kind: 'none', headers: { Vary: 'Origin' } });
    expect(corsAnswer(req({ ...over, method: 'OPTIONS', requestMethod: 'DELETE' }), LISTED)).toEqual({ kind: 'none', headers: { Vary: 'Origin' } });
  });

  it('stays out of paths other than /v1 and of deployments that list no origin', () => {
    expect(corsAnswer(req({ path: '/oauth/token' }), LISTED)).toEqual({ kind: 'none', headers: {} });
    expect(corsAnswer(req({ path: '/.well-known/jwks.json' }), LISTED)).toEqual({ kind: 'none', headers: {} });
    expect(corsAnswer(req(), [])).toEqual({ kind: 'none', headers: {} });
  });

  it('treats an OPTIONS without Access-Control-Request-Method as an ordinary request (405 from the route)', () => {
    expect(corsAnswer(req({ method: 'OPTIONS' }), LISTED).kind).toBe('actual');
  });
});
