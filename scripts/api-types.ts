/**
 * `npm run api:types`: writes test/client/api.ts, the API's types for the typed client test
 * (test/integration/api-client.test.ts), from the document the server serves (scripts/openapi.ts).
 */
import { writeFileSync } from 'node:fs';
import { openApiDocument } from '../src/http/openapi.ts';
import { apiRoutes } from '../src/http/routes/index.ts';
import { API_TYPES_FILE, apiTypes } from '../test/helpers/api-types.ts';

writeFileSync(API_TYPES_FILE, await apiTypes(openApiDocument(apiRoutes)));
console.log(`wrote ${API_TYPES_FILE}`);
