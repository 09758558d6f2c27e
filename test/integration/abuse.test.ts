/**
 * Abuse: hundreds of malformed requests across every endpoint, generated with fast-check — wrong
 * types, missing and unknown fields, huge and negative numbers, deep JSON, long strings, bad UTF-8,
 * SQL- and script-like strings in constrained fields, oversized and non-object bodies. Every answer
 * must be a 4xx problem+json that names the problem, never a 5xx, and the database must not change.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiRoutes } from '../../src/http/routes/index.ts';
import { createTestContext, databaseFingerprint, type TestContext } from '../helpers/context.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx?.close());

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  items?: JsonSchema;
};

const HOSTILE = [
  "'; DROP TABLE lots; --",
  '1 OR 1=1',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '../../etc/passwd',
  '\u0000\u0001',
  '💥'.repeat(50),
  'A'.repeat(300),
];

/** A value that can never satisfy `schema`: another JSON type (and, for numbers, wild magnitudes). */
function wrongValue(schema: JsonSchema | undefined): fc.Arbitrary<unknown> {
  const types = new Set([schema?.type ?? [], ...(schema?.anyOf ?? []).map((s) => s.type ?? [])].flat());
  const options: fc.Arbitrary<unknown>[] = [];
  if (!types.has('object'))
    options.push(fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }));
  if (!types.has('array')) options.push(fc.array(fc.integer(), { maxLength: 3 }));
  if (!types.has('boolean')) options.push(fc.boolean());
  if (!types.has('string')) options.push(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 20 }));
  if (!types.has('number') && !types.has('integer'))
    options.push(fc.constantFrom(1e308, -1e308, -1, 0, 2 ** 53 + 1, 3.5));
  return fc.oneof(...options);
}

const pathValue = fc.oneof(
  fc.constantFrom(...HOSTILE.map(encodeURIComponent)),
  fc.constantFrom('ZZZZZZZZZZ', '0000000000', 'x'.repeat(2000), '-1', '9'.repeat(40), '%E0%A4%A', 'null'),
);

interface Attempt {
  route: string;
  method: string;
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

function attemptsFor(def: (typeof apiRoutes)[number], seed: number): Attempt[] {
  const method = def.method.toUpperCase();
  const schema = z.toJSONSchema(def.command.input, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const properties = Object.entries(schema.properties ?? {}).filter(([k]) => !def.path.includes(`{${k}}`));
  const hasBody = !['GET', 'DELETE'].includes(method);
  const fill = (params: string[]) =>
    `/api/v1${def.path.replace(/\{(\w+)\}/g, (_, name: string) => params.shift() ?? name)}`;
  const params = fc.array(pathValue, { minLength: 2, maxLength: 2 });
  const key = `${method} ${def.path}`;

  const mutated = fc
    .record({
      params,
      field:
        properties.length > 0
          ? fc.constantFrom(...properties)
          : fc.constant(['unexpected', {} as JsonSchema] as [string, JsonSchema]),
      extra: fc.option(fc.constantFrom('__proto__x', 'colour', 'quantiy', '$where'), { nil: undefined }),
      seed: fc.integer(),
    })
    .chain(({ params: p, field, extra }) =>
      wrongValue(field[1]).map((bad) => ({ p, field: field[0], bad, extra })),
    );
  const out: Attempt[] = [];
  for (const m of fc.sample(mutated, { numRuns: hasBody ? 9 : 6, seed })) {
    const body: Record<string, unknown> = { [m.field]: m.bad };
    if (m.extra) body[m.extra] = 1;
    if (hasBody)
      out.push({
        route: key,
        method,
        path: fill(/\{/.test(def.path) ? [...m.p] : []),
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
    else {
      // In a query every value is a string; a string field gets one longer than any limit instead.
      const fieldType = (schema.properties?.[m.field]?.type ?? 'string') as string;
      const value =
        fieldType === 'string' ? 'x'.repeat(5000) : typeof m.bad === 'string' ? m.bad : JSON.stringify(m.bad);
      const query = new URLSearchParams({ [m.field]: value });
      out.push({ route: key, method, path: `${fill([...m.p])}?${query}` });
    }
  }
  if (hasBody) {
    const path = fill(['ZZZZZZZZZZ', 'ZZZZZZZZZZ']);
    out.push(
      {
        route: key,
        method,
        path,
        body: '{"name": "unterminated',
        headers: { 'content-type': 'application/json' },
      },
      {
        route: key,
        method,
        path,
        body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]),
        headers: { 'content-type': 'application/json' },
      },
      {
        route: key,
        method,
        path,
        body: `${'['.repeat(5000)}${']'.repeat(5000)}`,
        headers: { 'content-type': 'application/json' },
      },
      {
        route: key,
        method,
        path,
        body: JSON.stringify({ deep: JSON.parse(`${'{"a":'.repeat(400)}1${'}'.repeat(400)}`) }),
        headers: { 'content-type': 'application/json' },
      },
      {
        route: key,
        method,
        path,
        body: JSON.stringify({ blob: 'x'.repeat(1_100_000) }),
        headers: { 'content-type': 'application/json' },
      },
      { route: key, method, path, body: '"just a string"', headers: { 'content-type': 'application/json' } },
      {
        route: key,
        method,
        path,
        body: 'name=x&quantity=1',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
    );
  }
  return out;
}

describe('malformed requests', () => {
  it('answer every one with a 4xx problem naming the problem, and change nothing', async () => {
    // Uploads (multipart) are attacked in their own tests.
    const routes = apiRoutes.filter((r) => !('upload' in r && r.upload));
    const attempts = routes.flatMap((def, i) => attemptsFor(def, 1000 + i));
    expect(attempts.length).toBeGreaterThanOrEqual(300);
    const before = await databaseFingerprint(ctx);
    const failures: string[] = [];
    for (const a of attempts) {
      const res = await fetch(`${ctx.url}${a.path}`, {
        method: a.method,
        headers: { authorization: `Bearer ${ctx.tokens.admin}`, ...a.headers },
        ...(a.body !== undefined ? { body: a.body } : {}),
      });
      const text = await res.text();
      let problem: { detail?: string; errors?: { field: string; message: string }[] } = {};
      try {
        problem = JSON.parse(text) as typeof problem;
      } catch {
        // not JSON: recorded below
      }
      const ok =
        res.status >= 400 &&
        res.status < 500 &&
        (res.headers.get('content-type') ?? '').includes('application/problem+json') &&
        typeof problem.detail === 'string' &&
        problem.detail.length > 0 &&
        (res.status !== 400 ||
          (problem.errors?.length ?? 0) > 0 ||
          /body|JSON|ID code|code/.test(problem.detail));
      if (!ok)
        failures.push(
          `${a.method} ${a.path.slice(0, 120)} ${String(a.body ?? '').slice(0, 80)} → ${res.status} ${text.slice(0, 200)}`,
        );
    }
    expect(failures).toEqual([]);
    expect(await databaseFingerprint(ctx)).toBe(before);
  });
});
