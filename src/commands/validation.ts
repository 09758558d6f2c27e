import { z } from 'zod';
import { ValidationError, type FieldProblem } from '../domain/errors.ts';

function fieldOf(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/** Turns zod's issues into field problems a person can act on. */
export function toFieldProblems(error: z.ZodError, prefix = ''): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const at = (path: readonly PropertyKey[]) => {
    const f = fieldOf(path);
    return prefix ? (f ? `${prefix}.${f}` : prefix) : f || '(body)';
  };
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        problems.push({ field: at([...issue.path, key]), message: 'is not a known field' });
      continue;
    }
    let message = issue.message;
    if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) message = 'is required';
    else if (issue.code === 'invalid_type') message = message.replace(/^Invalid input: /, '');
    problems.push({ field: at(issue.path), message });
  }
  return problems;
}

/** Parses untrusted input with a schema; a mismatch becomes a ValidationError naming the fields. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(toFieldProblems(result.error, prefix));
  return result.data;
}

// Shared field schemas: one definition of what a quantity, a name or an ID code reference is.
export const idCodeRef = z
  .string()
  .min(1)
  .max(40)
  .describe('An ID code (any case; O/0 and I/L/1 confusions and hyphens are accepted)');
export const name = z.string().trim().min(1).max(200);
export const optionalText = (max = 2000) => z.string().trim().max(max).nullish();
export const quantity = z.int().positive().max(1_000_000_000);
export const fields = z
  .record(z.string().min(1).max(100), z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]))
  .refine((r) => Object.keys(r).length <= 100, { message: 'at most 100 fields' });
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});
export type PageQuery = z.output<typeof pageQuery>;

/** A yes/no input that arrives as JSON (`true`) or in a query string (`"true"`): both are taken. */
export const flag = z
  .union([z.boolean(), z.enum(['true', 'false'])])
  .transform((v) => v === true || v === 'true');
