/**
 * Checks real requests and answers against the API's generated OpenAPI 3.1 document with a JSON
 * Schema 2020-12 validator (ajv, as bundled with the document validator the platform test uses):
 * an answer's status must be documented for its operation, its media type listed, its body valid.
 */
import Ajv2020Module from '@seriousme/openapi-schema-validator/node_modules/ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

type Json = Record<string, unknown>;
interface Validate {
  (data: unknown): boolean;
  errors?: { instancePath: string; message?: string }[] | null;
}
interface Ajv {
  addSchema(schema: Json, key: string): unknown;
  compile(schema: Json): Validate;
}
const Ajv2020 = Ajv2020Module as unknown as { default: new (options: Json) => Ajv };
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => void;

export interface Operation {
  parameters?: { name: string; in: string; schema: Json }[];
  requestBody?: { content: Record<string, { schema: Json }> };
  responses: Record<string, { content?: Record<string, { schema: Json }> }>;
}

export interface DocumentChecker {
  operation(method: string, template: string): Operation;
  /** The problems with an answer (empty: it is what the document says). */
  checkResponse(
    method: string,
    template: string,
    res: { status: number; headers: Headers; text: string },
  ): string[];
  /** The JSON request body schema, with its properties. */
  requestBodySchema(method: string, template: string): Json & { properties: Record<string, Json> };
  validateRequestBody(method: string, template: string, body: unknown): string[];
  validateParameter(method: string, template: string, name: string, value: unknown): string[];
}

const DOC_ID = 'https://buildtrace.test/openapi.json';
const pointer = (tokens: string[]) =>
  tokens.map((t) => encodeURIComponent(t.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/');

export function documentChecker(document: Json): DocumentChecker {
  const ajv = new Ajv2020.default({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema(document, DOC_ID);
  const compiled = new Map<string, Validate>();
  const validate = (tokens: string[], data: unknown): string[] => {
    const ref = `${DOC_ID}#/${pointer(tokens)}`;
    let v = compiled.get(ref);
    if (!v) {
      v = ajv.compile({ $ref: ref });
      compiled.set(ref, v);
    }
    return v(data) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`);
  };
  const paths = document.paths as Record<string, Record<string, Operation>>;
  const operation = (method: string, template: string) => {
    const op = paths[template]?.[method.toLowerCase()];
    if (!op) throw new Error(`no ${method} ${template} in the document`);
    return op;
  };

  return {
    operation,
    checkResponse(method, template, res) {
      const op = operation(method, template);
      const status = String(res.status);
      const documented = op.responses[status] ?? op.responses.default;
      if (!documented) return [`status ${status} is not documented (${res.text.slice(0, 200)})`];
      const key = op.responses[status] ? status : 'default';
      if (!documented.content)
        return res.text ? [`status ${status} has a body the document does not describe`] : [];
      const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      const listed = Object.keys(documented.content);
      const match = listed.find((m) => {
        const base = m.split(';')[0]!.trim().toLowerCase();
        return base === type || base === '*/*' || (base.endsWith('/*') && type.startsWith(base.slice(0, -1)));
      });
      if (!match) return [`media type ${type} is not among ${listed.join(', ')} for ${status}`];
      if (!/[/+]json$/.test(type)) return [];
      let body: unknown;
      try {
        body = JSON.parse(res.text);
      } catch {
        return [`the ${type} body is not JSON`];
      }
      return validate(
        ['paths', template, method.toLowerCase(), 'responses', key, 'content', match, 'schema'],
        body,
      ).map((e) => `${status} ${e}`);
    },
    requestBodySchema(method, template) {
      const schema = operation(method, template).requestBody?.content['application/json']?.schema;
      if (!schema) throw new Error(`${method} ${template} takes no JSON body`);
      return schema as Json & { properties: Record<string, Json> };
    },
    validateRequestBody(method, template, body) {
      operation(method, template);
      return validate(
        ['paths', template, method.toLowerCase(), 'requestBody', 'content', 'application/json', 'schema'],
        body,
      );
    },
    validateParameter(method, template, name, value) {
      const params = operation(method, template).parameters ?? [];
      const index = params.findIndex((p) => p.name === name);
      if (index < 0) throw new Error(`${method} ${template} has no parameter ${name}`);
      return validate(
        ['paths', template, method.toLowerCase(), 'parameters', String(index), 'schema'],
        value,
      );
    },
  };
}
