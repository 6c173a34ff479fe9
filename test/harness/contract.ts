// Every response the integration tests receive from a contract path is checked against the
// committed OpenAPI document (docs/openapi.json): its status must be one the operation declares,
// and its JSON body must match that status's schema. So the document cannot drift from what the
// API answers. Paths outside the contract (the console's pages, a test's own servers) and methods a
// path does not have (405) are not the document's business and pass unchecked.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const document = JSON.parse(readFileSync(join(__dirname, '..', '..', 'docs', 'openapi.json'), 'utf8')) as { paths: object; components: object };

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'openapi', components: document.components } as object);

const templates = Object.entries(document.paths as Record<string, Record<string, Operation>>).map(([path, ops]) => ({
  pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  ops,
}));
const compiled = new Map<object, ValidateFunction>();

/** The check of one response; throws with what differs. */
export function checkAgainstContract(method: string, url: string, status: number, body: unknown, contentType: string | null): void {
  const path = new URL(url, 'http://x').pathname.replace(/\/$/, '') || '/';
  const ops = templates.find((t) => t.pattern.test(path))?.ops;
  const op = ops?.[method.toLowerCase()];
  if (!op || status === 405) return;
  const declared = op.responses[String(status)];
  if (!declared) throw new Error(`${method} ${path} answered ${status}, a status its operation does not declare (docs/openapi.json)`);
  const schema = declared.content?.['application/json']?.schema;
  if (!schema) {
    if (body !== undefined) throw new Error(`${method} ${path} ${status}: the contract declares no body, got one`);
    return;
  }
  if (!contentType?.startsWith('application/json')) throw new Error(`${method} ${path} ${status}: expected JSON, got ${contentType}`);
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(rewrite(schema));
    compiled.set(schema, validate);
  }
  if (!validate(body)) {
    throw new Error(`${method} ${path} ${status}: the body does not match docs/openapi.json: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 600)}`);
  }
}

/** References into the document's components, resolved against the schema added above. */
function rewrite(schema: object): object {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/')) as object;
}
