// The contract as a document: generated from the schemas for exactly the routes the app
// registers, valid OpenAPI 3.1, and equal to the committed docs/openapi.json (regenerate it with
// `npm run openapi` after changing a schema or a route).
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { openApiDocument } from '../../../functions/src/contract/openapi';
import { committedDocument, OPENAPI_FILE } from '../../../scripts/openapi';

describe('the OpenAPI document', () => {
  const document = committedDocument();

  it('is the committed docs/openapi.json', () => {
    expect(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'))).toEqual(document);
  });

  it('is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator)', () => {
    const script = join(__dirname, '..', '..', '..', 'scripts', 'check-openapi.mjs');
    expect(JSON.parse(execFileSync(process.execPath, [script, OPENAPI_FILE], { encoding: 'utf8' }))).toEqual({ valid: true });
  });

  it('has an operation for every registered route, and no other', () => {
    expect(() => openApiDocument([{ method: 'GET', path: '/v1/health' }])).toThrow(/no route for .*GET \/v1\/me/);
    expect(() => openApiDocument([{ method: 'GET', path: '/v1/nowhere' }, { method: 'GET', path: '/v1/health' }])).toThrow(/no operation for GET \/v1\/nowhere/);
  });

  it('declares the error schema for every error status of every operation, and a credential form wherever one is needed', () => {
    const paths = document.paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>; security: unknown[] }>>;
    for (const [path, ops] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) >= 400) expect([method, path, status, response.content?.['application/json']?.schema.$ref]).toEqual([method, path, status, path.startsWith('/oauth/') ? '#/components/schemas/OAuthError' : '#/components/schemas/Error']);
        }
      }
    }
    expect(paths['/v1/keys']!.post!.security).toEqual([{ sessionCookie: [] }, { bearer: [] }]);
    expect(paths['/v1/health']!.get!.security).toEqual([]);
  });
});
