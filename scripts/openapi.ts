// `npm run openapi`: writes docs/openapi.json, the contract generated from the schemas
// (functions/src/contract/) for the routes the app registers. A test keeps the file equal to it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from '../functions/src/app';
import { loadConfig } from '../functions/src/config';
import { openApiDocument } from '../functions/src/contract/openapi';
import type { RegisteredRoute } from '../functions/src/http/endpoint';
import { createServices } from '../functions/src/services';

export const OPENAPI_FILE = join(__dirname, '..', 'docs', 'openapi.json');

/** The document as committed: for the routes of an app built with the defaults (no client is created). */
export function committedDocument(): Record<string, unknown> {
  const env = { GOOGLE_CLOUD_PROJECT: 'demo-keyward' };
  const routes = buildApp(createServices(loadConfig(env), env)).locals.routes as readonly RegisteredRoute[];
  return openApiDocument(routes);
}

if (require.main === module) {
  writeFileSync(OPENAPI_FILE, `${JSON.stringify(committedDocument(), null, 2)}\n`);
  console.log(`wrote ${OPENAPI_FILE}`);
}
