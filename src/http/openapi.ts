/** The OpenAPI 3.1 document, generated from the route definitions and their zod schemas. */
import { z } from 'zod';
import { roleAllows } from '../domain/roles.ts';
import { ProblemOut, RuleProblemOut, ServerProblemOut, TooLargeProblemOut } from './schemas.ts';
import { DEFAULT_BODY_BYTES, pathParams, type RouteDef } from './route.ts';
import { documentConventions } from './conditional.ts';

type Json = Record<string, unknown>;

/** JSON Schema from zod, with references pointing into components/schemas. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  const text = JSON.stringify(out).replaceAll('"#/$defs/', '"#/components/schemas/');
  const result = JSON.parse(text) as Json;
  delete result.$schema;
  delete result.$defs;
  const id = z.globalRegistry.get(schema)?.id;
  return id ? { $ref: `#/components/schemas/${id}` } : result;
}

/** Error answers every operation may give: description and problem schema (by component id). */
const ERRORS: Record<string, [string, string]> = {
  '400': ['Malformed input; `errors` names each field and the reason', 'Problem'],
  '401': ['No or unknown API token', 'Problem'],
  '403': ['The token’s role does not allow this', 'Problem'],
  '404': ['The object named in the path does not exist', 'Problem'],
  '409': ['Conflicts with the current state', 'Problem'],
  '422': [
    'Breaks a business rule; some rules add members that say more (`shortages`, `allowed` …)',
    'RuleProblem',
  ],
  '429': [
    'Too many requests (RATE_LIMIT_PER_MINUTE per token; fewer per address without a valid token); wait for `Retry-After`',
    'Problem',
  ],
  '500': ['A fault on the server side; `requestId` finds it in the log', 'ServerProblem'],
  '503': ['The database is unreachable for the moment; retry after `Retry-After`', 'Problem'],
};

/** Keys of a JSON Schema object that the operation rebuilds; any other (`if`/`then` …) is kept. */
const REBUILT = new Set(['type', 'properties', 'required', 'additionalProperties', '$schema', '$defs']);

export function openApiDocument(
  routes: readonly RouteDef[],
  serverUrl: string,
  options: { bodyBytes?: number } = {},
): Json {
  const paths: Record<string, Json> = {};
  for (const def of routes) {
    const params = pathParams(def.path);
    const inputKeysFromPath = new Set(params.map((p) => def.params?.[p] ?? p));
    const input = jsonSchema(def.command.input, 'input');
    const properties = { ...((input.properties as Json | undefined) ?? {}) };
    for (const key of [...inputKeysFromPath, ...(def.bodyOmits ?? [])]) delete properties[key];
    const required = ((input.required as string[] | undefined) ?? []).filter(
      (k) => !inputKeysFromPath.has(k),
    );

    // A path parameter is described by the input field it fills (an ID code's shape, an integer id …).
    const inputProperties = (input.properties as Record<string, Json> | undefined) ?? {};
    const parameters: Json[] = params.map((name) => ({
      name,
      in: 'path',
      required: true,
      schema: inputProperties[def.params?.[name] ?? name] ?? { type: 'string' },
      description: name === 'code' ? 'ID code (any case)' : undefined,
    }));
    const operation: Json = {
      operationId: `${def.command.name}${def.path.includes('/bom-imports') ? 'ByName' : ''}`,
      summary: def.summary ?? def.command.summary,
      description: [def.description, `Needs the **${def.command.role}** role.`].filter(Boolean).join('\n\n'),
      tags: [def.tag],
      'x-role': def.command.role,
      parameters,
      responses: {} as Json,
    };
    const rules = Object.fromEntries(Object.entries(input).filter(([key]) => !REBUILT.has(key)));
    const body = {
      type: 'object',
      properties,
      ...(required.length ? { required } : {}),
      ...rules,
      additionalProperties: false,
    };
    if (def.method === 'get' || def.method === 'delete') {
      for (const [name, schema] of Object.entries(properties)) {
        parameters.push({ name, in: 'query', required: required.includes(name), schema });
      }
    } else {
      const content: Json = def.upload
        ? {
            'multipart/form-data': {
              schema: {
                type: 'object',
                properties: {
                  file: { type: 'string', format: 'binary', description: 'the file (one per request)' },
                  ...Object.fromEntries(
                    Object.keys(def.upload.fields ?? {}).map((f) => [f, { type: 'string' }]),
                  ),
                },
                required: ['file'],
              },
            },
          }
        : { 'application/json': { schema: body } };
      if (def.textBody) content[def.textBody.mediaType] = { schema: { type: 'string' } };
      operation.requestBody = { required: def.upload ? true : required.length > 0, content };
      if (def.textBody) {
        for (const [name, schema] of Object.entries(properties)) {
          if (name !== def.textBody.field) parameters.push({ name, in: 'query', required: false, schema });
        }
      }
      if (def.method === 'post') {
        parameters.push({
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          schema: { type: 'string', maxLength: 255 },
          description: 'Replays the first successful response for 24 h instead of running the request again',
        });
      }
    }
    const status = String(def.status ?? 200);
    const responses = operation.responses as Json;
    responses[status] =
      status === '204'
        ? { description: 'Done' }
        : def.file
          ? {
              description: 'The file',
              content: { [def.file.mediaType]: { schema: { type: 'string', format: 'binary' } } },
            }
          : {
              description: 'Success',
              content: {
                'application/json': { schema: def.response ? jsonSchema(def.response, 'output') : {} },
              },
            };
    const readsBody = def.method !== 'get' && def.method !== 'delete';
    const bodyBytes = def.bodyBytes ?? options.bodyBytes ?? DEFAULT_BODY_BYTES;
    const errors: Record<string, [string, string]> = def.upload
      ? {
          ...ERRORS,
          '413': ['The file is larger than ATTACHMENT_MAX_BYTES; nothing was stored', 'TooLargeProblem'],
          '415': [
            'Not multipart/form-data, or the file is an executable or not what its name or type claims',
            'Problem',
          ],
        }
      : readsBody
        ? {
            ...ERRORS,
            '413': [
              `The body is larger than ${bodyBytes} bytes${def.bodyBytes ? ' (more than any body within the limits above can take, however encoded)' : ''}; nothing was done`,
              'Problem',
            ],
            '415': ['The body’s charset or content encoding is not supported', 'Problem'],
          }
        : ERRORS;
    for (const [code, [description, schema]] of Object.entries(errors).sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      if (code === '403' && roleAllows('viewer', def.command.role)) continue;
      responses[code] = {
        description,
        content: { 'application/problem+json': { schema: { $ref: `#/components/schemas/${schema}` } } },
      };
    }
    documentConventions(def, routes, operation);
    const path = (paths[def.path] ??= {});
    path[def.method] = operation;
  }

  // Schemas with an id in the registry become components.
  void [ProblemOut, RuleProblemOut, TooLargeProblemOut, ServerProblemOut];
  const components = z.toJSONSchema(z.globalRegistry, {
    io: 'output',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, Json> };
  for (const schema of Object.values(components.schemas)) {
    delete schema.$schema;
    delete schema.$id;
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'buildtrace API',
      version: '1',
      description:
        'Serial numbers on top of lot control. Authenticate with `Authorization: Bearer <token>` (create one with `buildtrace token create`). Errors are `application/problem+json`. Lists use cursor pagination: pass `nextCursor` back as `cursor`. Text is UTF-8: bodies and percent-encoded query values that are not, and text holding NUL (U+0000) or an unpaired surrogate (a JSON `\\ud800` alone), are refused with 400 naming the field, as are object keys that cannot be stored (`__proto__`).',
    },
    servers: [{ url: `${serverUrl}/api/v1` }],
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas: components.schemas,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
  };
}
