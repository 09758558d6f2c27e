/**
 * REST conventions every route shares (see route.ts, which applies them): 405 with `Allow` for a
 * method a path does not take, and query parameters a route does not take refused with 400 naming
 * them.
 */
import type { Request, RequestHandler, Router } from 'express';
import { z } from 'zod';
import { ValidationError } from '../domain/errors.ts';
import { sendProblem } from './problem.ts';

/** What these conventions need to know of a route (a RouteDef, without importing route.ts). */
interface RouteShape {
  method: string;
  path: string;
  command: { input: z.ZodType };
  params?: Record<string, string>;
  bodyOmits?: string[];
  textBody?: { field: string };
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
