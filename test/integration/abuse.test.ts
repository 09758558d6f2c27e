/**
 * Abuse: hundreds of malformed requests across every endpoint, generated with fast-check — wrong
 * types, missing and unknown fields, negative, zero, fractional, huge (1e308, 2^53 + 1) and
 * non-finite (a literal 1e999 in the JSON) numbers, also inside arrays and objects, deep JSON, long
 * strings, bad UTF-8, SQL- and script-like strings in constrained fields, oversized and non-object
 * bodies. Every API answer must be a 4xx problem+json that names the problem, never a 5xx; the Slack
 * endpoint, the scan pages, the queue dashboard and the metrics refuse junk without a 5xx; and the
 * database — rows and sequences — must not change.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiRoutes } from '../../src/http/routes/index.ts';
import { factories } from '../factories.ts';
import { createTestContext, databaseFingerprint, type TestContext } from '../helpers/context.ts';
import { slackSignature, startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';

const SLACK_SECRET = 'abuse-test-signing-secret';

let ctx: TestContext;
let fake: FakeSlack;
/** Real objects, so that a request can be valid in everything but one number. */
let known: { part: string; lot: string; project: string; build: string };

beforeAll(async () => {
  fake = await startFakeSlack();
  ctx = await createTestContext({
    env: {
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_BOT_TOKEN: 'xoxb-abuse-test',
      SLACK_API_URL: fake.apiUrl,
    },
  });
  const f = factories({ uow: ctx.uow });
  const part = await f.part();
  const lot = await f.lot({ part: part.code, quantity: 100 });
  const project = await f.project({ lines: [{ part: part.code, quantity: 1 }] });
  const build = await ctx.api('POST', '/api/v1/builds', {
    body: { project: project.code, quantity: 2, start: false },
  });
  known = {
    part: part.code,
    lot: lot.code,
    project: project.code,
    build: (build.body.build as { code: string }).code,
  };
});
afterAll(async () => {
  await ctx?.close();
  await fake?.close();
});

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
};

/** A number written into the JSON text as is: `1e999` parses to Infinity, which JSON cannot say. */
class RawNumber {
  constructor(readonly text: string) {}
}
const raw = (text: string) => new RawNumber(text);

function jsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) =>
    v instanceof RawNumber ? `@@raw${raws.push(v.text) - 1}@@` : v,
  );
  return text.replace(/"@@raw(\d+)@@"/g, (_, i: string) => raws[Number(i)]!);
}

/** How a value reads in a query string or a path. */
const asText = (value: unknown) =>
  value instanceof RawNumber ? value.text : typeof value === 'string' ? value : JSON.stringify(value);

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

const typesOf = (schema: JsonSchema | undefined) =>
  new Set([schema?.type ?? [], ...(schema?.anyOf ?? []).map((s) => s.type ?? [])].flat());
const isNumeric = (schema: JsonSchema) => {
  const types = typesOf(schema);
  return types.has('number') || types.has('integer');
};

/**
 * Numbers a numeric field can never accept: below its minimum, above its maximum, fractional where
 * an integer is expected, beyond 2^53, not finite, or a number in a string. `inQuery`: the field is
 * read from a string (and coerced), so only values no coercion can make valid.
 */
function badNumbers(schema: JsonSchema, inQuery = false): unknown[] {
  const values: unknown[] = [raw('1e999'), raw('-1e999'), '1e999', 'NaN', '-Infinity'];
  const integer = typesOf(schema).has('integer') && !typesOf(schema).has('number');
  const lowest = schema.minimum ?? schema.exclusiveMinimum;
  if (schema.minimum !== undefined) values.push(schema.minimum - 1, -1e308);
  if (schema.exclusiveMinimum !== undefined) values.push(schema.exclusiveMinimum, -1e308);
  if (lowest !== undefined && lowest >= 0) values.push(-1, -0.5, -1_000_000);
  if (schema.maximum !== undefined) values.push(schema.maximum + 1, 1e308);
  if (integer) values.push(1.5, 0.1, 2.000001, raw('9007199254740993'), raw('-9007199254740993'), 1e308);
  if (!inQuery) values.push('7', true, [1]);
  return values;
}

/** Out-of-range numbers where `schema` holds numbers: the field itself, array items, object members. */
function numberAbuse(schema: JsonSchema | undefined, depth = 0): unknown[] {
  if (!schema || depth > 3) return [];
  const out: unknown[] = isNumeric(schema) ? badNumbers(schema) : [];
  for (const branch of schema.anyOf ?? [])
    if (branch.type !== 'null') out.push(...numberAbuse(branch, depth));
  if (schema.items) out.push(...numberAbuse(schema.items, depth + 1).map((v) => [v]));
  for (const [name, member] of Object.entries(schema.properties ?? {}))
    out.push(...numberAbuse(member, depth + 1).map((v) => ({ [name]: v })));
  return out;
}

/** A value that can never satisfy `schema`: another JSON type, or a number out of its range. */
function wrongValue(schema: JsonSchema | undefined): fc.Arbitrary<unknown> {
  const types = typesOf(schema);
  const options: fc.Arbitrary<unknown>[] = [];
  if (!types.has('object'))
    options.push(fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }));
  if (!types.has('array')) options.push(fc.array(fc.integer(), { maxLength: 3 }));
  if (!types.has('boolean')) options.push(fc.boolean());
  if (!types.has('string')) options.push(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 20 }));
  if (!types.has('number') && !types.has('integer'))
    options.push(fc.constantFrom(1e308, -1e308, -1, 0, 2 ** 53 + 1, 3.5));
  const numbers = numberAbuse(schema);
  // Numeric fields get out-of-range numbers most of the time: they are where quantities live.
  if (numbers.length > 0) return fc.oneof({ arbitrary: fc.constantFrom(...numbers), weight: 3 }, ...options);
  return fc.oneof(...options);
}

const pathValue = fc.oneof(
  fc.constantFrom(...HOSTILE.map(encodeURIComponent)),
  fc.constantFrom(
    'ZZZZZZZZZZ',
    '0000000000',
    'x'.repeat(2000),
    '-1',
    '0',
    '1.5',
    '1e999',
    'NaN',
    '9007199254740993',
    '9'.repeat(40),
    '%E0%A4%A',
    'null',
  ),
);

interface Attempt {
  route: string;
  method: string;
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** The field a 400 must name (when the request is valid in everything else). */
  field?: string;
}

const inputSchema = (def: (typeof apiRoutes)[number]) =>
  z.toJSONSchema(def.command.input, { io: 'input', unrepresentable: 'any' }) as JsonSchema;

function attemptsFor(def: (typeof apiRoutes)[number], seed: number): Attempt[] {
  const method = def.method.toUpperCase();
  const schema = inputSchema(def);
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
      wrongValue(field[1]).map((bad) => ({ p, field: field[0], schema: field[1], bad, extra })),
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
        body: jsonText(body),
        headers: { 'content-type': 'application/json' },
      });
    else {
      // In a query every value is a string: a string field gets one longer than any limit, a numeric
      // field a number no coercion can make valid.
      const numbers = isNumeric(m.schema) ? badNumbers(m.schema, true) : [];
      const value =
        numbers.length > 0
          ? asText(numbers[Math.abs(m.p.join('').length) % numbers.length])
          : typesOf(m.schema).has('string') || typesOf(m.schema).size === 0
            ? 'x'.repeat(5000)
            : asText(m.bad);
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

/**
 * Requests right in every respect but one number (a quantity, a delta, a serial, a limit, an id): the
 * 400 must name exactly that field.
 */
function numericAttempts(): Attempt[] {
  const schemaOf = (method: string, path: string) =>
    inputSchema(apiRoutes.find((r) => r.method === method && r.path === path)!);
  const member = (schema: JsonSchema, ...names: string[]) =>
    names.reduce<JsonSchema>((s, n) => (n === '*' ? s.items! : s.properties![n]!), schema);
  const json = (
    route: string,
    path: string,
    field: string,
    schema: JsonSchema,
    body: (bad: unknown) => Record<string, unknown>,
  ): Attempt[] => {
    const method = route.split(' ')[0]!;
    return badNumbers(schema).map((bad) => ({
      route,
      method,
      path: `/api/v1${path}`,
      body: jsonText(body(bad)),
      headers: { 'content-type': 'application/json' },
      field,
    }));
  };
  const { part, lot, project, build } = known;
  const lots = schemaOf('post', '/lots');
  const builds = schemaOf('post', '/builds');
  const lines = schemaOf('put', '/projects/{code}/lines');
  const line = (bad: unknown) => ({ lines: [{ part, quantity: bad }] });
  const attempts = [
    ...json('POST /lots', '/lots', 'quantity', member(lots, 'quantity'), (q) => ({ part, quantity: q })),
    ...json('POST /lots/{code}/split', `/lots/${lot}/split`, 'quantity', member(lots, 'quantity'), (q) => ({
      quantity: q,
    })),
    ...json(
      'POST /lots/{code}/adjust',
      `/lots/${lot}/adjust`,
      'delta',
      member(schemaOf('post', '/lots/{code}/adjust'), 'delta'),
      (d) => ({ delta: d, reason: 'cycle count' }),
    ),
    ...json('POST /builds', '/builds', 'quantity', member(builds, 'quantity'), (q) => ({
      project,
      quantity: q,
      start: false,
    })),
    ...json('POST /builds', '/builds', 'pairing.0.serial', member(builds, 'pairing', '*', 'serial'), (s) => ({
      project,
      quantity: 2,
      trackUnits: true,
      start: false,
      pairing: [{ serial: s, units: [lot] }],
    })),
    ...json(
      'PUT /projects/{code}/lines',
      `/projects/${project}/lines`,
      'lines.0.quantity',
      member(lines, 'lines', '*', 'quantity'),
      line,
    ),
    ...json(
      'POST /projects',
      '/projects',
      'lines.0.quantity',
      member(lines, 'lines', '*', 'quantity'),
      (q) => ({ name: `Abuse ${randomBytes(4).toString('hex')}`, ...line(q) }),
    ),
  ];
  const limit = member(schemaOf('get', '/parts'), 'limit');
  const serial = member(schemaOf('get', '/builds/{code}/units/{serial}'), 'serial');
  const id = member(schemaOf('get', '/labels/{id}'), 'id');
  for (const bad of badNumbers(limit, true))
    attempts.push({
      route: 'GET /lots',
      method: 'GET',
      path: `/api/v1/lots?${new URLSearchParams({ limit: asText(bad) })}`,
      field: 'limit',
    });
  for (const bad of badNumbers(serial, true))
    attempts.push({
      route: 'GET /builds/{code}/units/{serial}',
      method: 'GET',
      path: `/api/v1/builds/${build}/units/${encodeURIComponent(asText(bad))}`,
      field: 'serial',
    });
  for (const bad of badNumbers(id, true))
    attempts.push({
      route: 'GET /labels/{id}',
      method: 'GET',
      path: `/api/v1/labels/${encodeURIComponent(asText(bad))}`,
      field: 'id',
    });
  return attempts;
}

/** Sends an API attempt with an admin token; answers what was wrong with the answer, if anything. */
async function apiFailure(a: Attempt): Promise<string | null> {
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
  const named = problem.errors?.map((e) => e.field) ?? [];
  const ok =
    res.status >= 400 &&
    res.status < 500 &&
    (res.headers.get('content-type') ?? '').includes('application/problem+json') &&
    typeof problem.detail === 'string' &&
    problem.detail.length > 0 &&
    (res.status !== 400 || named.length > 0 || /body|JSON|ID code|code/.test(problem.detail)) &&
    (!a.field || (res.status === 400 && named.includes(a.field)));
  return ok
    ? null
    : `${a.method} ${a.path.slice(0, 120)} ${String(a.body ?? '').slice(0, 80)} → ${res.status} ${text.slice(0, 200)}`;
}

const fingerprint = () => databaseFingerprint(ctx);

/** Requests to what is not the JSON API: the Slack endpoint, scan pages, dashboard, metrics. */
interface OtherAttempt {
  what: string;
  url: string;
  init: RequestInit;
  /** A scan page: a refusal must be an HTML page. */
  html?: boolean;
  /** The statuses allowed (default: anything but a 5xx). */
  status?: number[];
}

function otherAttempts(): OtherAttempt[] {
  const now = () => String(Math.floor(Date.now() / 1000));
  const signed = (body: string | Buffer, contentType: string, secret = SLACK_SECRET) => {
    const ts = now();
    return {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'x-slack-request-timestamp': ts,
        'x-slack-signature': slackSignature(secret, Number(ts), body.toString()),
      },
      body,
    };
  };
  const form = 'application/x-www-form-urlencoded';
  const command = new URLSearchParams({ command: '/build', text: 'status', user_id: 'U0ABUSE' }).toString();
  const garbage: [string, string][] = [
    ['payload=%7Bnot-json', form],
    ['payload=' + encodeURIComponent('{"type":"block_actions","actions":"x"}'), form],
    ['payload=' + encodeURIComponent(JSON.stringify({ type: 'view_submission', view: 42 })), form],
    ['payload=' + encodeURIComponent('[1,2,3]'), form],
    ['command=%2Fbuild&text=' + encodeURIComponent("'; DROP TABLE lots; --"), form],
    ['=&&&==%%%', form],
    ['', form],
    ['{"type": "url_verification"', 'application/json'],
    ['{"type":"event_callback","event":null}', 'application/json'],
    ['[]', 'application/json'],
    ['null', 'application/json'],
    [`${'['.repeat(5000)}${']'.repeat(5000)}`, 'application/json'],
    ['x'.repeat(100_000), 'text/plain'],
    ['<xml/>', 'application/xml'],
  ];
  const slack = `${ctx.url}/slack/events`;
  const unauthorized = [401];
  const out: OtherAttempt[] = [
    {
      what: 'Slack, unsigned',
      url: slack,
      init: { method: 'POST', headers: { 'content-type': form }, body: command },
      status: unauthorized,
    },
    {
      what: 'Slack, bad signature',
      url: slack,
      init: signed(command, form, 'not-the-secret'),
      status: unauthorized,
    },
    {
      what: 'Slack, signature of another body',
      url: slack,
      init: { ...signed('command=%2Fother', form), body: command },
      status: unauthorized,
    },
    {
      what: 'Slack, garbage signature header',
      url: slack,
      status: unauthorized,
      init: {
        method: 'POST',
        headers: { 'content-type': form, 'x-slack-request-timestamp': now(), 'x-slack-signature': 'v0=zz' },
        body: command,
      },
    },
    {
      what: 'Slack, garbage timestamp',
      url: slack,
      init: {
        method: 'POST',
        headers: { 'content-type': form, 'x-slack-request-timestamp': '1e999', 'x-slack-signature': 'v0=00' },
        body: command,
      },
      status: unauthorized,
    },
    { what: 'Slack, GET', url: slack, init: { method: 'GET' } },
    ...garbage.map(([body, type]) => ({
      what: `Slack, signed ${body.slice(0, 30)}`,
      url: slack,
      init: signed(body, type),
    })),
    ...garbage.map(([body, type]) => ({
      what: `Slack, unsigned ${body.slice(0, 30)}`,
      url: slack,
      init: { method: 'POST', headers: { 'content-type': type }, body },
      status: unauthorized,
    })),
  ];
  const pageCodes = [
    'ZZZZZZZZZZ',
    '0000000000',
    '!!!!',
    'x'.repeat(3000),
    '%E0%A4%A',
    '%00',
    '..%2F..%2Fetc%2Fpasswd',
    encodeURIComponent('<script>alert(1)</script>'),
    encodeURIComponent("'; DROP TABLE lots; --"),
    `${known.build}/0`,
    `${known.build}/-1`,
    `${known.build}/1e999`,
    `${known.build}/${'9'.repeat(40)}`,
    `${known.lot}?cursor=-1`,
    `${known.lot}?cursor=${encodeURIComponent("'; DROP TABLE lots; --")}`,
    `${known.lot}?cursor=${'x'.repeat(3000)}`,
    `${known.build}?cursor=%E0%A4%A`,
    '💥',
  ];
  for (const code of pageCodes)
    out.push({ what: `page /id/${code.slice(0, 40)}`, url: `${ctx.url}/id/${code}`, init: {}, html: true });
  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  for (const authorization of [
    undefined,
    `Bearer ${ctx.tokens.operator}`,
    basic('x', ctx.tokens.viewer),
    basic('x', 'not-a-token'),
    'Basic %%%not-base64',
    `Bearer ${'x'.repeat(5000)}`,
    'Digest username="admin"',
  ])
    for (const path of ['/admin/queues', '/admin/queues/api/queues?activeQueue=%00&page=-1'])
      out.push({
        what: `dashboard ${path} as ${authorization?.slice(0, 20) ?? 'nobody'}`,
        url: `${ctx.url}${path}`,
        init: authorization ? { headers: { authorization } } : {},
        status: [401, 403],
      });
  for (const query of ['name[]=x', 'x'.repeat(5000), '%E0%A4%A', 'a=1&a=2&a=3', "'; DROP TABLE lots; --"])
    out.push({ what: `metrics ?${query.slice(0, 20)}`, url: `${ctx.url}/metrics?${query}`, init: {} });
  return out;
}

describe('malformed requests', () => {
  it('answer every one with a 4xx problem naming the problem, and change nothing', async () => {
    // Uploads (multipart) are attacked in their own tests.
    const routes = apiRoutes.filter((r) => !('upload' in r && r.upload));
    const attempts = routes.flatMap((def, i) => attemptsFor(def, 1000 + i));
    const numeric = numericAttempts();
    const others = otherAttempts();
    expect(attempts.length + numeric.length + others.length).toBeGreaterThanOrEqual(300);
    expect(numeric.length).toBeGreaterThanOrEqual(50);
    const before = await fingerprint();
    const failures: string[] = [];
    for (const a of [...attempts, ...numeric]) {
      const failure = await apiFailure(a);
      if (failure) failures.push(failure);
    }
    for (const o of others) {
      const res = await fetch(o.url, { redirect: 'manual', ...o.init });
      const text = await res.text();
      const type = res.headers.get('content-type') ?? '';
      const refused = res.status >= 400 && res.status < 500;
      // A page answers a bad link with a page that says so (or sends the reader to the right one).
      const ok = o.html
        ? (refused && type.includes('text/html')) || (res.status >= 300 && res.status < 400)
        : o.status
          ? o.status.includes(res.status)
          : res.status < 500;
      if (!ok) failures.push(`${o.what} → ${res.status} ${type} ${text.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
    expect(await fingerprint()).toBe(before);
  });
});
