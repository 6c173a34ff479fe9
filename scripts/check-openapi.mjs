// Validates an OpenAPI document against the OpenAPI 3.1 schema (@seriousme/openapi-schema-validator,
// an ES module, hence a script of its own). Prints the result as JSON; exits 1 when invalid.
import { Validator } from '@seriousme/openapi-schema-validator';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const file = process.argv[2] ?? fileURLToPath(import.meta.resolve('../docs/openapi.json'));
const result = await new Validator().validate(JSON.parse(readFileSync(file, 'utf8')));
console.log(JSON.stringify(result));
process.exit(result.valid ? 0 : 1);
