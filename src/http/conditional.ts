/**
 * REST conventions every route shares (see route.ts, which applies them): query parameters a route
 * does not take refused with 400 naming them.
 */
import type { Request } from 'express';
import { z } from 'zod';
import { ValidationError } from '../domain/errors.ts';

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
