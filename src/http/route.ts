/**
 * Routes are data: method, path, the command they run and the shape of the response. The same
 * definitions mount the Express handlers and generate the OpenAPI document, so the reference cannot
 * drift from what the API does. A handler only assembles the command's input from the request, runs
 * the command for the caller, and shapes the result.
 */
import { unescape } from 'node:querystring';
import { pipeline } from 'node:stream/promises';
import { Router, type Request, type RequestHandler } from 'express';
import type { z } from 'zod';
import {
  execute,
  executeAround,
  type Command,
  type CommandContext,
  type CommandDeps,
} from '../commands/define.ts';
import type { LockableTable } from '../commands/ports.ts';
import { parseWith } from '../commands/validation.ts';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import {
  checkQueryParameters,
  entityTag,
  ifMatch,
  mountMethodNotAllowed,
  noneMatch,
  queryParameters,
} from './conditional.ts';
import { PreconditionFailed } from './problem.ts';
import { uploadHandler, type UploadOptions } from './upload.ts';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** What every route says, whatever its command answers. */
interface RouteFields {
  method: Method;
  /** OpenAPI-style path below /api/v1, e.g. `/lots/{code}/split`. */
  path: string;
  tag: string;
  /** Success status (default 200). */
  status?: 200 | 201 | 202 | 204;
  /** Public shape of the response; unknown keys (internal ids) are dropped. */
  response?: z.ZodType;
  /** Path parameter → input field, when the names differ (default: same name). */
  params?: Record<string, string>;
  /**
   * Input fields this route's body may not carry because the path already says what they would
   * (e.g. a unit named by the path cannot be named again in the body); left out of the document.
   */
  bodyOmits?: string[];
  /**
   * Input fields this route sets itself (e.g. `scope: 'project'` for `/projects/{code}/printer`):
   * never read from the request, left out of the document.
   */
  fixed?: Record<string, string>;
  /**
   * Largest body read (JSON or text), in bytes, when more than {@link DEFAULT_BODY_BYTES}; larger
   * bodies are answered 413. See {@link bodyBytesForText}.
   */
  bodyBytes?: number;
  /** Accepts a raw text body (e.g. text/csv) into this input field; other fields come from the query. */
  textBody?: { field: string; mediaType: string };
  /** The command returns a file to send as is (`{ stream, bytes, filename, contentType }`). */
  file?: { mediaType: string };
  /**
   * A streamed `multipart/form-data` upload (see upload.ts): `precheck` runs on the path's input
   * before the body is read, the `file` part is staged, then `command` runs with it and `fields`.
   */
  upload?: { precheck: Command; fields?: Record<string, number> };
  /**
   * A single resource a client may change or delete by this path (on its GET): the GET answers with
   * a strong ETag (and 304 to a matching If-None-Match); PATCH, PUT and DELETE on the same path
   * answer with the new ETag and honour If-Match, checked against this table's row, locked, in the
   * write's own transaction (412 when it changed, and nothing is done).
   */
  versioned?: LockableTable;
  summary?: string;
  description?: string;
}

/** A route as written: `present` must accept what its command answers (`R`). */
export interface TypedRouteDef<R> extends RouteFields {
  command: Command<z.ZodType, R>;
  /**
   * An idempotent create (`status: 201`): when `when` says the command found what it was asked to
   * create already there, the answer is 200 instead (documented with `description`).
   */
  found?: { when: (result: NoInfer<R>) => boolean; description: string };
  /** Turns the command's result into what the response schema describes. */
  present?: (result: NoInfer<R>, req: Request) => unknown;
}

/**
 * A route as the router and the document see it, its command's result type forgotten: `present` is
 * only ever called with the result of the route's own command, which {@link route} checked.
 */
export interface RouteDef extends RouteFields {
  command: Command;
  present?: (result: never, req: Request) => unknown;
  found?: { when: (result: never) => boolean; description: string };
}

/** Defines a route; `present` is checked against what `command` answers. */
export const route = <R>(def: TypedRouteDef<R>): RouteDef => def;

/** Largest JSON or text body a route reads unless it says otherwise (413 beyond). */
export const DEFAULT_BODY_BYTES = 1024 * 1024;

/**
 * A body limit no request carrying a text of `characters` code points (plus small fields) can reach,
 * however it is encoded: in JSON a code point takes at most 12 bytes (an escaped surrogate pair),
 * in UTF-8 text at most 4. So the text's own limit (its `maxLength`, a 400) is the one that counts.
 */
export const bodyBytesForText = (characters: number) => characters * 12 + 64 * 1024;

const toExpressPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');
export const pathParams = (path: string) => [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Query values arrive as strings; turn the obvious booleans into booleans for text-body routes. */
function queryValues(query: Request['query']): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(query).map(([k, v]) => [k, v === 'true' ? true : v === 'false' ? false : v]),
  );
}

/** Whether the request came with a body at all (whatever its type). */
const sentBody = (req: Request) =>
  Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;

/**
 * Copies own properties as data, `__proto__` included (Object.assign would set the prototype instead
 * and lose the key, so the schema could not refuse it).
 */
function assign(target: Record<string, unknown>, source: object): void {
  for (const [key, value] of Object.entries(source))
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Refuses a query value whose percent-encoded bytes are not UTF-8 (the query parser would put U+FFFD
 * in their place). A `%` not followed by two hex digits stays a literal `%`, as the parser reads it.
 */
function checkQueryEncoding(url: string): void {
  const start = url.indexOf('?');
  if (start < 0) return;
  for (const pair of url.slice(start + 1).split('&')) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    for (const raw of eq < 0 ? [key] : [key, pair.slice(eq + 1)]) {
      try {
        decodeURIComponent(raw.replaceAll('+', ' ').replace(/%(?![0-9a-fA-F]{2})/g, '%25'));
      } catch {
        throw ValidationError.field(
          unescape(key.replaceAll('+', ' ')),
          'is not valid UTF-8 once percent-decoded',
        );
      }
    }
  }
}

const QUERY_PARAMETERS = new WeakMap<RouteDef, ReadonlySet<string>>();

/** Refuses query parameters the route does not take (400 naming them) rather than ignore them. */
export function checkQuery(def: RouteDef, req: Request): void {
  let allowed = QUERY_PARAMETERS.get(def);
  if (!allowed) QUERY_PARAMETERS.set(def, (allowed = queryParameters(def)));
  checkQueryParameters(def, allowed, req.query);
}

export function assembleInput(def: RouteDef, req: Request): Record<string, unknown> {
  checkQueryEncoding(req.originalUrl);
  checkQuery(def, req);
  const input: Record<string, unknown> = {};
  if (def.method === 'get' || def.method === 'delete') {
    // The document gives these no body: one that says something is refused, not ignored.
    const empty = req.body === undefined || (isPlainObject(req.body) && Object.keys(req.body).length === 0);
    if (sentBody(req) && !(empty && req.is('application/json')))
      throw ValidationError.field('(body)', `${def.method.toUpperCase()} ${def.path} takes no body`);
    assign(input, req.query);
  } else if (def.textBody && typeof req.body === 'string') {
    assign(input, { ...queryValues(req.query), [def.textBody.field]: req.body });
  } else if (req.body === null) {
    // JSON `null` is a body, and not the object the document describes.
    throw ValidationError.field('(body)', 'must be a JSON object');
  } else if (req.body === undefined && sentBody(req) && !def.upload) {
    // A body that is not JSON (a form, text) was not read: refuse it rather than act as if empty.
    throw ValidationError.field(
      '(body)',
      `must be sent with Content-Type: ${def.textBody ? `${def.textBody.mediaType} or ` : ''}application/json`,
    );
  } else if (req.body === undefined || (isPlainObject(req.body) && Object.keys(req.body).length === 0)) {
    // no body (or an empty one): the command's schema says what is missing
  } else if (isPlainObject(req.body)) {
    assign(input, req.body);
  } else {
    throw ValidationError.field('(body)', 'must be a JSON object');
  }
  for (const name of pathParams(def.path)) input[def.params?.[name] ?? name] = req.params[name];
  Object.assign(input, def.fixed);
  return input;
}

export function mountRoutes(
  router: Router,
  routes: readonly RouteDef[],
  deps: CommandDeps,
  options: {
    upload?: UploadOptions;
    /** Handlers run before each route's own (body parsers, Idempotency-Key replays). */
    before?: (def: RouteDef) => RequestHandler[];
  } = {},
): Router {
  // A versioned resource's GET, by path: a change to the same path checks and answers its ETag.
  const readers = new Map(routes.filter((r) => r.method === 'get' && r.versioned).map((r) => [r.path, r]));
  for (const def of routes) {
    const before = options.before?.(def) ?? [];
    if (def.upload) {
      const store = options.upload;
      const params = Object.fromEntries(pathParams(def.path).map((p) => [p, def.params?.[p] ?? p]));
      router[def.method](
        toExpressPath(def.path),
        ...before,
        store
          ? uploadHandler(
              {
                command: def.command,
                precheck: def.upload.precheck,
                fields: def.upload.fields ?? {},
                params,
                status: def.status ?? 201,
                response: def.response,
                present: def.present as ((result: unknown) => unknown) | undefined,
                checkQuery: (req) => checkQuery(def, req),
              },
              deps,
              store,
            )
          : () => {
              throw new Error('uploads are not configured in this process');
            },
      );
      continue;
    }
    const reader = def.method === 'get' ? undefined : readers.get(def.path);
    router[def.method](toExpressPath(def.path), ...before, async (req, res) => {
      const input = assembleInput(def, req);
      let result: unknown;
      let etag: string | undefined;
      if (reader) ({ result, etag } = await versionedWrite(deps, def, reader, req, input));
      else result = await execute(deps, def.command, req.actor!, input);
      if (def.file) {
        const file = result as {
          stream: NodeJS.ReadableStream;
          bytes: number;
          filename: string;
          contentType: string;
        };
        // attachment() sets a type guessed from the name's extension (octet-stream without one), so
        // the stored type is set after it: a file is served as what it was found to be on upload.
        res.status(200).attachment(file.filename);
        res.type(file.contentType).setHeader('Content-Length', String(file.bytes));
        res.setHeader('X-Content-Type-Options', 'nosniff');
        await pipeline(file.stream, res);
        return;
      }
      const status = def.found?.when(result as never) ? 200 : (def.status ?? 200);
      if (status === 204) {
        res.status(204).end();
        return;
      }
      const body = represent(def, result, req);
      if (def.versioned) etag = entityTag(body);
      if (etag) res.setHeader('ETag', etag);
      // Checked here rather than by Express, whose check gives up on `Cache-Control: no-cache`, which
      // fetch() adds to every conditional request: a 304 is what the client asked to revalidate.
      if (def.versioned && etag && noneMatch(req, etag)) {
        res.status(304).end();
        return;
      }
      res.status(status).json(body);
    });
  }
  mountMethodNotAllowed(router, routes);
  return router;
}

/** What a route answers for its command's result: presented, then shaped by its response schema. */
function represent(def: RouteDef, result: unknown, req: Request): unknown {
  const presented = def.present ? def.present(result as never, req) : result;
  // JSON round-trip first: Dates become ISO strings, as the response schema describes them.
  return def.response ? def.response.parse(JSON.parse(JSON.stringify(presented))) : presented;
}

/**
 * A change to a versioned resource (see {@link RouteFields.versioned}), in one transaction: with an
 * If-Match naming tags, the resource's row is locked and its ETag compared before the command runs
 * (412, nothing done, when it is not one of them); after it, the new ETag is read in the same
 * transaction, so that it is the tag of exactly what was committed. Two clients sending the same
 * tag: the second waits for the first's lock, then finds another tag.
 */
async function versionedWrite(
  deps: CommandDeps,
  def: RouteDef,
  reader: RouteDef,
  req: Request,
  input: Record<string, unknown>,
): Promise<{ result: unknown; etag: string | undefined }> {
  const condition = ifMatch(req);
  const readerInput: Record<string, unknown> = {};
  for (const name of pathParams(reader.path)) readerInput[reader.params?.[name] ?? name] = req.params[name];
  const read = (ctx: CommandContext) => reader.command.run(ctx, parseWith(reader.command.input, readerInput));
  const tagOf = (current: unknown) => entityTag(represent(reader, current, req));
  const what = `${req.baseUrl}${req.path}`;
  const check = async (ctx: CommandContext, tags: string[]) => {
    let current: unknown;
    try {
      current = await read(ctx);
    } catch (error) {
      // Without a resource, a PATCH or DELETE is the command's 404; a PUT would create it.
      if (error instanceof NotFoundError && def.method === 'put') throw new PreconditionFailed(null, what);
      throw error;
    }
    // Locked, then read again: every other writer of the row now waits for this transaction.
    if (!(await ctx.repos.rows.forUpdate(reader.versioned!, (current as { id: number }).id))) return;
    const tag = tagOf(await read(ctx));
    if (!tags.includes(tag)) throw new PreconditionFailed(tag, what);
  };
  const { result, after } = await executeAround(deps, def.command, req.actor!, input, {
    before: Array.isArray(condition) ? (ctx) => check(ctx, condition) : undefined,
    after: async (ctx) => {
      if (def.method === 'delete' || (def.status ?? 200) === 204) return undefined;
      return tagOf(await read(ctx));
    },
  });
  return { result, etag: after };
}

export function createRouter(routes: readonly RouteDef[], deps: CommandDeps): Router {
  return mountRoutes(Router(), routes, deps);
}
