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

/**
 * The tags operations are grouped by (a route's `tag`), in the reference's order, each with what it
 * is about. A route whose tag is not here fails the document's generation.
 */
const TAGS: Record<string, string> = {
  Parts:
    'The parts catalogue: what is stocked and built, by manufacturer part number (MPN), with free-form fields.',
  Locations: 'Where stock is kept (shelves, bins, lines).',
  Lots: 'Stock: a quantity of one part at one location, received, moved, split, adjusted, quarantined and released, with its ledger. A tracked unit is a lot of one with a serial, and may carry external identifiers (MAC address, IMEI, ICCID, asset tag …).',
  Projects:
    'What is built: a project and its bill of materials (BOM), set line by line or imported from a KiCad CSV.',
  Builds:
    'Building a project: stock reserved and consumed from the BOM, units (serials) generated, stages advanced, completed or cancelled.',
  'Device history':
    'What happened to a unit after it was built: notes, test results, service and repairs, shipping, returns, scrapping, and the tests a project requires.',
  Attachments: 'Files kept with a lot, a build or a history event (test logs, photos, certificates).',
  Traceability:
    'Where a lot went and what a unit is made of, forward and backward, and recalls: the affected units of a lot, with a CSV report.',
  Shipments:
    'The pack & ship station: a shipment for a customer, devices scanned into it, shipped together (each device `shipped`, `shipment.created` announced), with its packing list as PDF and CSV.',
  Labels: 'Label runs: PDF sheets of ID-code labels for lots and units, rendered in the background.',
  Printers:
    'Label printers (Zebra ZPL, Brother QL, IPP Everywhere / CUPS): where print runs go, their live status, and which printer a project or location prints on by default or by itself.',
  Webhooks:
    'Endpoints that receive signed event deliveries (builds, recalls …), their deliveries and redeliveries.',
  'ID codes':
    'What an ID code names — a part, location, lot or unit, project or build — or a device by the serial printed on its label.',
  Search:
    'One box for whatever is at hand: an ID code, a formatted serial, an external identifier, an MPN, a supplier order, a date code or a name.',
  'API tokens': 'The bearer tokens that authenticate API callers, each with a role.',
  'Page sessions':
    'Who is signed in to the scan pages (people through a Slack sign-in link, scan stations with an API token); an admin ends a session here.',
  'Slack users': 'The roles of Slack users who work with buildtrace from Slack.',
  Operations: 'Work in flight in the background and the reconciler that resumes what was interrupted.',
};

/** Headers a rate-limited answer carries (express-rate-limit, `standardHeaders: 'draft-8'`). */
const RATE_LIMIT_HEADERS: Record<string, Json> = {
  RateLimit: {
    description:
      'The budget left in the current window (IETF draft-ietf-httpapi-ratelimit-headers-08), e.g. `"60-in-1min"; r=0; t=42`: `r` requests remain, the window resets in `t` seconds',
    schema: { type: 'string' },
  },
  'RateLimit-Policy': {
    description:
      'The limit that applies, e.g. `"60-in-1min"; q=60; w=60`: `q` requests per `w` seconds (per API token; a stricter one per address for requests without a valid token)',
    schema: { type: 'string' },
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again',
    schema: { type: 'integer', minimum: 0 },
  },
};

/** Response headers by status, as references into components/headers. */
const ERROR_HEADERS: Record<string, string[]> = {
  '429': ['RateLimit', 'RateLimit-Policy', 'Retry-After'],
  '503': ['Retry-After'],
};

/**
 * Operation ids: the command's name; where several routes run one command, each adds what its path
 * acts on — the resource named by its last path parameter (`/lots/{code}/attachments` →
 * `addAttachmentForLot`) — and a route with no path parameter keeps the bare name.
 */
const RESOURCE_NAMES: Record<string, string> = { history: 'HistoryEvent' };

function resourceOf(path: string): string | undefined {
  const segments = path.split('/').filter(Boolean);
  const last = segments.findLastIndex((s) => s.startsWith('{'));
  const segment = last > 0 ? segments[last - 1] : undefined;
  if (!segment || segment.startsWith('{')) return undefined;
  const pascal = segment.replace(/(^|-)(\w)/g, (_m, _dash: string, c: string) => c.toUpperCase());
  return RESOURCE_NAMES[segment] ?? pascal.replace(/s$/, '');
}

function operationIds(routes: readonly RouteDef[]): string[] {
  const uses = new Map<string, number>();
  for (const def of routes) uses.set(def.command.name, (uses.get(def.command.name) ?? 0) + 1);
  const ids = routes.map((def) => {
    if (uses.get(def.command.name) === 1) return def.command.name;
    const resource = resourceOf(def.path);
    return resource ? `${def.command.name}For${resource}` : def.command.name;
  });
  const seen = new Set<string>();
  for (const [i, id] of ids.entries()) {
    if (seen.has(id))
      throw new Error(`operationId ${id} (${routes[i]!.method} ${routes[i]!.path}) is not unique`);
    seen.add(id);
  }
  return ids;
}

/**
 * Drops the bounds zod gives every integer (±(2^53−1), the safe-integer range) where no other bound
 * was set: they say nothing a JSON number does not, and the document states the range once.
 */
function dropSafeIntegerBounds(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) dropSafeIntegerBounds(item);
  } else if (typeof node === 'object' && node !== null) {
    const schema = node as Json;
    if (schema.type === 'integer') {
      if (schema.minimum === Number.MIN_SAFE_INTEGER) delete schema.minimum;
      if (schema.maximum === Number.MAX_SAFE_INTEGER) delete schema.maximum;
    }
    for (const value of Object.values(schema)) dropSafeIntegerBounds(value);
  }
}

/** Keys of a JSON Schema object that the operation rebuilds; any other (`if`/`then` …) is kept. */
const REBUILT = new Set(['type', 'properties', 'required', 'additionalProperties', '$schema', '$defs']);

/**
 * The document for `routes`. Its server is relative (`/api/v1`, resolved against where the document
 * was fetched), so the reference's "Try it out" works on whatever host serves it.
 */
export function openApiDocument(routes: readonly RouteDef[], options: { bodyBytes?: number } = {}): Json {
  const paths: Record<string, Json> = {};
  const ids = operationIds(routes);
  for (const [index, def] of routes.entries()) {
    if (!(def.tag in TAGS)) throw new Error(`${def.method} ${def.path}: tag '${def.tag}' is not described`);
    const params = pathParams(def.path);
    const inputKeysFromPath = new Set([
      ...params.map((p) => def.params?.[p] ?? p),
      ...Object.keys(def.fixed ?? {}),
    ]);
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
      operationId: ids[index],
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
    if (def.found)
      responses['200'] = {
        description: def.found.description,
        content: {
          'application/json': { schema: def.response ? jsonSchema(def.response, 'output') : {} },
        },
      };
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
      const headers = ERROR_HEADERS[code];
      responses[code] = {
        description,
        ...(headers
          ? { headers: Object.fromEntries(headers.map((h) => [h, { $ref: `#/components/headers/${h}` }])) }
          : {}),
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

  const document: Json = {
    openapi: '3.1.0',
    info: {
      title: 'buildtrace API',
      version: '1',
      description:
        'Serial numbers on top of lot control. Authenticate with `Authorization: Bearer <token>` (create one with `buildtrace token create`). Errors are `application/problem+json`. Lists use cursor pagination: pass `nextCursor` back as `cursor`. Text is UTF-8: bodies and percent-encoded query values that are not, and text holding NUL (U+0000) or an unpaired surrogate (a JSON `\\ud800` alone), are refused with 400 naming the field, as are object keys that cannot be stored (`__proto__`). Integers are whole JSON numbers within ±(2^53−1), the range a JSON number carries exactly; larger ones are refused with 400. Requests are rate limited per token (RATE_LIMIT_PER_MINUTE): over the limit, 429 with `Retry-After`; answers carry `RateLimit` and `RateLimit-Policy`.',
    },
    servers: [{ url: '/api/v1' }],
    security: [{ bearer: [] }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: components.schemas,
      headers: RATE_LIMIT_HEADERS,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
  };
  dropSafeIntegerBounds(document);
  return document;
}
