/** Pieces every output schema uses, and the check that a schema and its domain record agree. */
import { z } from 'zod';

export const timestamp = z.iso.datetime({ offset: true });
export const code = z.string().describe('ID code');
export const fieldsOut = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const shortage = z.object({ part: code, partName: z.string(), needed: z.int(), available: z.int() });

/**
 * Compile-time check that an output schema and the domain record it shows name the same fields, so
 * a field added to one cannot be forgotten in the other. `Hidden`: fields of the record the API does
 * not show (internal ids …); `Added`: fields the route's presenter computes. Resolves to `true`, or
 * to the fields that disagree, which {@link Assert} then refuses.
 */
export type SameKeys<Out, Domain, Hidden extends keyof Domain = never, Added extends keyof Out = never> = [
  Exclude<keyof Out, Added>,
] extends [Exclude<keyof Domain, Hidden>]
  ? [Exclude<keyof Domain, Hidden>] extends [Exclude<keyof Out, Added>]
    ? true
    : { missingFromSchema: Exclude<Exclude<keyof Domain, Hidden>, keyof Out> }
  : { notInDomain: Exclude<Exclude<keyof Out, Added>, keyof Domain> };

/** Fails to compile unless `T` is `true` (see {@link SameKeys}). */
export type Assert<T extends true> = T;
