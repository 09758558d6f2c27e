/**
 * REST conventions every route shares (see route.ts, which applies them): strong ETags on what a
 * client may change, `If-Match` preconditions (412), 405 with `Allow` for a method a path does not
 * take, and query parameters a route does not take refused with 400 naming them.
 */
import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Router } from 'express';
import { z } from 'zod';
import { ValidationError } from '../domain/errors.ts';
import { sendProblem } from './problem.ts';
import { PreconditionProblemOut } from './schemas.ts';

/** What these conventions need to know of a route (a RouteDef, without importing route.ts). */
interface RouteShape {
  method: string;
  path: string;
  command: { input: z.ZodType };
  params?: Record<string, string>;
  bodyOmits?: string[];
  fixed?: Record<string, string>;
  textBody?: { field: string };
  versioned?: string;
  status?: number;
}

/**
 * A strong entity tag for a JSON representation: a digest of exactly the body the API sends, so two
 * answers share a tag only when they are the same bytes.
 */
export function entityTag(body: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(body)).digest('base64url');
  return `"${digest.slice(0, 27)}"`;
}

/**
 * The `If-Match` header: undefined when absent, `*`, or the entity tags it lists. Weak tags are
 * kept as sent and never match (If-Match compares strongly). A value that is neither is a 400.
 */
export function ifMatch(req: Request): '*' | string[] | undefined {
  const header = req.headers['if-match'];
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  if (value === '*') return '*';
  const tags = value.match(/(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*"/g) ?? [];
  const rest = value.replace(/(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*"/g, '').replace(/[\s,]/g, '');
  if (tags.length === 0 || rest !== '')
    throw ValidationError.field(
      'If-Match',
      'must be * or entity tags in double quotes, as the ETag header gives them',
    );
  return tags;
}

/** Whether `If-None-Match` names the tag (weak comparison, as RFC 9110 says for it) or is `*`. */
export function noneMatch(req: Request, tag: string): boolean {
  const header = req.headers['if-none-match']?.trim();
  if (!header) return false;
  if (header === '*') return true;
  const opaque = (t: string) => t.replace(/^W\//, '');
  return (header.match(/(?:W\/)?"[^"]*"/g) ?? []).some((t) => opaque(t) === opaque(tag));
}

/** The query parameters a route takes: the input fields its document lists in the query. */
export function queryParameters(def: RouteShape): ReadonlySet<string> {
  const takesQuery = def.method === 'get' || def.method === 'delete' || def.textBody !== undefined;
  if (!takesQuery) return new Set();
  const schema = z.toJSONSchema(def.command.input, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, unknown>;
  };
  const fromPath = [...def.path.matchAll(/\{(\w+)\}/g)].map((m) => def.params?.[m[1]!] ?? m[1]!);
  const omitted = new Set([
    ...fromPath,
    ...(def.bodyOmits ?? []),
    ...Object.keys(def.fixed ?? {}),
    ...(def.textBody ? [def.textBody.field] : []),
  ]);
  return new Set(Object.keys(schema.properties ?? {}).filter((k) => !omitted.has(k)));
}

/** Refuses query parameters the route does not take, naming each (they were silently ignored). */
export function checkQueryParameters(
  def: RouteShape,
  allowed: ReadonlySet<string>,
  query: Request['query'],
): void {
  const unknown = Object.keys(query).filter((k) => !allowed.has(k));
  if (unknown.length === 0) return;
  const takes = allowed.size > 0 ? `takes only ${[...allowed].join(', ')}` : 'takes no query parameters';
  throw new ValidationError(
    unknown.map((field) => ({
      field,
      message: `is not a query parameter of ${def.method.toUpperCase()} ${def.path} (it ${takes})`,
    })),
  );
}

const ALLOW = Symbol('allow');

/**
 * After every route is mounted: a path that exists with other methods answers 405 with `Allow`
 * (problem+json) instead of falling through to 404, and OPTIONS answers 204 with `Allow`. The
 * methods of every path pattern a request matches are gathered (`/units/scrap` and `/units/{serial}`).
 */
export function mountMethodNotAllowed(router: Router, routes: readonly RouteShape[]): void {
  const methods = new Map<string, Set<string>>();
  for (const def of routes) {
    const set = methods.get(def.path) ?? new Set<string>();
    set.add(def.method.toUpperCase());
    if (def.method === 'get') set.add('HEAD');
    methods.set(def.path, set);
  }
  for (const [path, set] of methods) {
    const gather: RequestHandler = (_req, res, next) => {
      const locals = res.locals as { [ALLOW]?: Set<string> };
      locals[ALLOW] = new Set([...(locals[ALLOW] ?? []), ...set]);
      next();
    };
    router.all(path.replace(/\{(\w+)\}/g, ':$1'), gather);
  }
  router.use((req, res, next) => {
    const allowed = (res.locals as { [ALLOW]?: Set<string> })[ALLOW];
    if (!allowed) return next();
    const order = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
    const list = [...order.filter((m) => allowed.has(m)), 'OPTIONS'].join(', ');
    res.setHeader('Allow', list);
    if (req.method === 'OPTIONS') return void res.status(204).end();
    sendProblem(res, 405, `${req.method} is not allowed on ${req.path}; it allows ${list}`);
  });
}

type Json = Record<string, unknown>;

/**
 * Adds to an operation of the document what these conventions add to it: ETag (and If-None-Match,
 * 304) on a versioned GET; If-Match, 412 and the new ETag on a change to the same path.
 */
export function documentConventions(def: RouteShape, routes: readonly RouteShape[], operation: Json): void {
  void PreconditionProblemOut; // its component, referenced below
  const versioned = routes.some((r) => r.method === 'get' && r.path === def.path && r.versioned);
  if (!versioned) return;
  const responses = operation.responses as Record<string, Json>;
  const parameters = operation.parameters as Json[];
  const etag = {
    ETag: {
      description:
        'Strong entity tag of the resource as answered; send it back in `If-Match` to change or delete the resource only if nobody has since',
      schema: { type: 'string' },
    },
  };
  if (def.method === 'get') {
    parameters.push({
      name: 'If-None-Match',
      in: 'header',
      required: false,
      schema: { type: 'string' },
      description: 'An ETag this resource had: answered 304 without a body while it is still the current one',
    });
    responses['200'] = { ...responses['200'], headers: etag };
    responses['304'] = { description: 'Not modified: `If-None-Match` names the current ETag', headers: etag };
    return;
  }
  parameters.push({
    name: 'If-Match',
    in: 'header',
    required: false,
    schema: { type: 'string' },
    description: `The ETag of \`GET ${def.path}\` the change is based on: when the resource has changed since (another ETag), nothing is done and the answer is 412. \`*\` or no header: no check.`,
  });
  const status = String(def.status ?? 200);
  if (status !== '204' && responses[status]?.content)
    responses[status] = { ...responses[status], headers: etag };
  responses['412'] = {
    description:
      'If-Match names none of the current entity tags: the resource changed since it was read (its ETag is in `etag` and the ETag header); nothing was done. GET it again and retry.',
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/PreconditionProblem' } } },
  };
}
