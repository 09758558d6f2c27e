/**
 * Writes the API's OpenAPI document — the one the server serves at /api/v1/openapi.json, from the
 * same routes and generator — to the file named (or stdout). Used by `npm run lint:api`.
 *   tsx scripts/openapi.ts [out.json]
 */
import { writeFileSync } from 'node:fs';
import { openApiDocument } from '../src/http/openapi.ts';
import { apiRoutes } from '../src/http/routes/index.ts';

const text = `${JSON.stringify(openApiDocument(apiRoutes), null, 2)}\n`;
const out = process.argv[2];
if (out) writeFileSync(out, text);
else process.stdout.write(text);
