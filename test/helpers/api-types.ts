/**
 * TypeScript types for the API, generated from its OpenAPI document with openapi-typescript: what
 * test/client/api.ts holds (written by `npm run api:types`), and what the client test compares it
 * with, so a route or schema change that is not regenerated fails the test.
 */
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript';

export const API_TYPES_FILE = 'test/client/api.ts';

export async function apiTypes(document: Record<string, unknown>): Promise<string> {
  // No Redocly config (redocly.yaml is the lint's), so generation does not lint or fetch anything.
  const ast = await openapiTS(document as unknown as OpenAPI3, { alphabetize: false });
  return `${COMMENT_HEADER}// Generated from the API's OpenAPI document by \`npm run api:types\`; do not edit.\n\n${astToString(ast)}`;
}
