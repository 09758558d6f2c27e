/**
 * The API against its own OpenAPI document (#14 items 19-26): real answers are checked against the
 * generated document (status, media type and body schema, with ajv), requests the document calls
 * invalid are the ones the server refuses, text the store cannot keep (NUL, invalid UTF-8, unpaired
 * surrogates, `__proto__` keys) is refused with 400 naming the field, and a refused request changes
 * nothing.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.ts';
import { factories } from '../factories.ts';
import { settledBuild, startBackground, type Background } from '../helpers/background.ts';
import {
  createTestContext,
  databaseFingerprint,
  type ApiResponse,
  type TestContext,
} from '../helpers/context.ts';
import { documentChecker, type DocumentChecker } from '../helpers/openapi.ts';

let ctx: TestContext;
let f: ReturnType<typeof factories>;
let bg: Background;
let doc: DocumentChecker;
let document: Record<string, unknown>;

beforeAll(async () => {
  ctx = await createTestContext({ env: { WEBHOOK_ALLOW_LIST: '127.0.0.1' } });
  f = factories({ uow: ctx.uow });
  bg = await startBackground(ctx);
  document = (await ctx.api('GET', '/api/v1/openapi.json', { role: null })).body;
  doc = documentChecker(document);
});
afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
});

/** Sends a request, checks the answer against the document, and returns it. */
async function call(
  method: string,
  template: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; raw?: Buffer } = {},
): Promise<ApiResponse> {
  let res: ApiResponse;
  if (options.raw) {
    const r = await fetch(`${ctx.url}${path}`, {
      method,
      body: options.raw,
      headers: { authorization: `Bearer ${ctx.tokens.admin}`, ...options.headers },
    });
    const text = await r.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = {};
    }
    res = { status: r.status, headers: r.headers, body, text };
  } else {
    res = await ctx.api(method, path, { body: options.body, headers: options.headers });
  }
  expect(doc.checkResponse(method, template, res)).toEqual([]);
  return res;
}

/** The request must be refused with `status` naming `field`, and leave the database as it was. */
async function refused(
  status: number,
  field: string,
  method: string,
  template: string,
  path: string,
  options: Parameters<typeof call>[3] = {},
) {
  const before = await databaseFingerprint(ctx);
  const res = await call(method, template, path, options);
  expect(res.status, res.text).toBe(status);
  expect(
    (res.body.errors as { field: string }[] | undefined)?.map((e) => e.field),
    res.text,
  ).toContain(field);
  expect(await databaseFingerprint(ctx)).toBe(before);
  return res;
}

describe('text the store cannot keep (items 19, 20, 26)', () => {
  it('refuses a NUL character in any text with 400 naming the field, not 500', async () => {
    const location = await f.location();
    await refused(400, 'description', 'PATCH', '/locations/{code}', `/api/v1/locations/${location.code}`, {
      body: { description: 'shelf\u0000A' },
    });
    await refused(400, 'name', 'POST', '/locations', '/api/v1/locations', { body: { name: 'a\u0000b' } });
    await refused(400, 'name', 'POST', '/parts', '/api/v1/parts', { body: { name: '\u0000' } });
    await refused(400, 'fields.a\u0000b', 'POST', '/parts', '/api/v1/parts', {
      body: { name: 'Resistor', fields: { 'a\u0000b': 1 } },
    });
    await refused(400, 'search', 'GET', '/parts', '/api/v1/parts?search=a%00b');
  });

  it('turns the database’s own refusal of a NUL into a validation error, as a net under the edge', async () => {
    const location = await f.location();
    const found = await ctx.uow.read((repos) => repos.locations.findByCode(location.code));
    await expect(
      ctx.uow.transaction((repos) => repos.locations.update(found!.id, { description: 'a\u0000b' })),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('refuses bytes that are not UTF-8 instead of storing U+FFFD', async () => {
    const json = Buffer.concat([
      Buffer.from('{"name":"Shelf '),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ]);
    await refused(400, '(body)', 'POST', '/locations', '/api/v1/locations', {
      raw: json,
      headers: { 'content-type': 'application/json' },
    });
    const project = await f.project();
    const csv = Buffer.concat([
      Buffer.from('Reference,Value,Footprint,Qty,MPN\nR1,10k,R_0603,1,RC'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('\n'),
    ]);
    await refused(400, '(body)', 'POST', '/projects/{code}/bom', `/api/v1/projects/${project.code}/bom`, {
      raw: csv,
      headers: { 'content-type': 'text/csv' },
    });
    await refused(400, 'search', 'GET', '/parts', '/api/v1/parts?search=%FFab');
    // Valid UTF-8 JSON, but an unpaired surrogate: PostgreSQL would keep U+FFFD in its place.
    await refused(400, 'name', 'POST', '/locations', '/api/v1/locations', {
      raw: Buffer.from('{"name":"Shelf \\ud800"}'),
      headers: { 'content-type': 'application/json' },
    });
    const ok = await call('POST', '/locations', '/api/v1/locations', { body: { name: 'Régal 😀 7' } });
    expect(ok.status).toBe(201);
    expect(ok.body.name).toBe('Régal 😀 7');
  });

  it('refuses a __proto__ key in fields rather than dropping it', async () => {
    await refused(400, 'fields.__proto__', 'POST', '/parts', '/api/v1/parts', {
      raw: Buffer.from('{"name":"Capacitor","fields":{"__proto__":"x","tolerance":"5%"}}'),
      headers: { 'content-type': 'application/json' },
    });
    const part = await f.part();
    await refused(400, 'fields.__proto__', 'PATCH', '/parts/{code}', `/api/v1/parts/${part.code}`, {
      raw: Buffer.from('{"fields":{"__proto__":{"polluted":true}}}'),
      headers: { 'content-type': 'application/json' },
    });
    expect(
      doc.validateRequestBody('POST', '/parts', JSON.parse('{"name":"C","fields":{"__proto__":"x"}}')),
    ).not.toEqual([]);
  });
});

describe('bodies the document does not allow (item 24)', () => {
  it('refuses a JSON null body with 400', async () => {
    const location = await f.location();
    await refused(400, '(body)', 'PATCH', '/locations/{code}', `/api/v1/locations/${location.code}`, {
      raw: Buffer.from('null'),
      headers: { 'content-type': 'application/json' },
    });
    const component = await f.part();
    await f.lot({ part: component.code, quantity: 100 });
    const project = await f.project({ lines: [{ part: component.code, quantity: 1 }] });
    const build = await ctx.api('POST', '/api/v1/builds', {
      body: { project: project.code, quantity: 2, start: false },
    });
    const code = (build.body.build as { code: string }).code;
    await refused(400, '(body)', 'POST', '/builds/{code}/start', `/api/v1/builds/${code}/start`, {
      raw: Buffer.from('null'),
      headers: { 'content-type': 'application/json' },
    });
    await refused(
      400,
      '(body)',
      'POST',
      '/webhook-deliveries/{id}/redeliver',
      '/api/v1/webhook-deliveries/1/redeliver',
      {
        raw: Buffer.from('null'),
        headers: { 'content-type': 'application/json' },
      },
    );
    // Nor is a body where the document has none ignored.
    const part = await f.part();
    await refused(400, '(body)', 'DELETE', '/parts/{code}', `/api/v1/parts/${part.code}`, {
      body: { force: true },
    });
    await refused(400, '(body)', 'DELETE', '/parts/{code}', `/api/v1/parts/${part.code}`, {
      raw: Buffer.from('force=true'),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    for (const body of ['7', '"x"', 'true', '[]'])
      await refused(400, '(body)', 'PATCH', '/locations/{code}', `/api/v1/locations/${location.code}`, {
        raw: Buffer.from(body),
        headers: { 'content-type': 'application/json' },
      });
  });
});

describe('answers the document describes (items 21, 22, 23)', () => {
  it('documents the extension members of 422 answers (shortages, allowed, deviceStatus)', async () => {
    const component = await f.part();
    const project = await f.project({ lines: [{ part: component.code, quantity: 1 }] });
    const short = await call('POST', '/builds', '/api/v1/builds', {
      body: { project: project.code, quantity: 5, start: true },
    });
    expect(short.status, short.text).toBe(422);
    expect(short.body.shortages).toEqual([expect.objectContaining({ part: component.code, needed: 5 })]);

    await f.lot({ part: component.code, quantity: 10 });
    const build = await ctx.api('POST', '/api/v1/builds', {
      body: { project: project.code, quantity: 1, trackUnits: true },
    });
    const code = (build.body.build as { code: string }).code;
    await settledBuild(ctx, code, (b) => (b.progress as { generated: number }).generated === 1);
    const unit = (
      (await ctx.api('GET', `/api/v1/builds/${code}/units`)).body.items as { code: string }[]
    )[0]!;
    await ctx.api('POST', `/api/v1/lots/${unit.code}/scrap`, { body: { reason: 'dropped' } });
    const ship = await call('POST', '/lots/{code}/ship', `/api/v1/lots/${unit.code}/ship`, {
      body: { customer: 'Acme' },
    });
    expect(ship.status, ship.text).toBe(422);
    expect(ship.body).toMatchObject({ deviceStatus: 'scrapped', allowed: expect.any(Array) });
  });

  it('documents the type a download is served with', async () => {
    const boundary = 'doc-boundary';
    const lot = await f.lot();
    const up = await ctx.api('POST', `/api/v1/lots/${lot.code}/attachments`, {
      body: `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="log.txt"\r\nContent-Type: text/plain\r\n\r\nall tests passed\r\n--${boundary}--\r\n`,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    expect(up.status, up.text).toBe(201);
    const res = await call(
      'GET',
      '/attachments/{id}/content',
      `/api/v1/attachments/${up.body.id as number}/content`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('takes a BOM as large as the document allows, and documents the one limit', async () => {
    const max = doc.requestBodySchema('POST', '/bom-imports').properties.csv!.maxLength as number;
    expect(doc.requestBodySchema('POST', '/projects/{code}/bom').properties.csv!.maxLength).toBe(max);
    expect(doc.operation('POST', '/bom-imports').responses['413']).toBeDefined();
    const header = 'Reference,Value,Footprint,Qty,MPN\n';
    const line = 'R1,10k,R_0603,1,RC0603FR-0710KL\n';
    // Within the limit, even when every character is escaped in JSON: never a 413.
    let csv = header;
    const filler = `# ${'"\\'.repeat(60)}\n`;
    while (csv.length + filler.length < max - line.length) csv += filler;
    csv += line;
    expect(csv.length).toBeLessThanOrEqual(max);
    const ok = await call('POST', '/bom-imports', '/api/v1/bom-imports', {
      body: { projectName: `Big ${randomBytes(3).toString('hex')}`, csv, dryRun: true },
    });
    expect(ok.status, ok.text.slice(0, 500)).not.toBe(413);
    const over = await call('POST', '/bom-imports', '/api/v1/bom-imports', {
      body: { projectName: 'Too big', csv: `${csv}${'x'.repeat(max)}`, dryRun: true },
    });
    expect([400, 413]).toContain(over.status);
  });
});

describe('rules the server enforces are in the document (item 25)', () => {
  const invalidByDocument = (method: string, template: string, body: unknown) =>
    doc.validateRequestBody(method, template, body);

  it('a cursor the server would refuse is invalid by the document, and one it issues is valid', async () => {
    for (let i = 0; i < 3; i++) await f.part();
    const page = await call('GET', '/parts', '/api/v1/parts?limit=2');
    const cursor = page.body.nextCursor as string;
    expect(doc.validateParameter('GET', '/parts', 'cursor', cursor)).toEqual([]);
    expect((await call('GET', '/parts', `/api/v1/parts?limit=2&cursor=${cursor}`)).status).toBe(200);
    for (const bad of ['garbage', 'aTo', '%%%'])
      expect(doc.validateParameter('GET', '/parts', 'cursor', bad)).not.toEqual([]);
    await refused(400, 'cursor', 'GET', '/parts', '/api/v1/parts?cursor=garbage');
  });

  it('whitespace-only text is invalid by the document', async () => {
    expect(invalidByDocument('POST', '/locations', { name: '   ' })).not.toEqual([]);
    expect(invalidByDocument('POST', '/locations', { name: ' a ' })).toEqual([]);
    await refused(400, 'name', 'POST', '/locations', '/api/v1/locations', { body: { name: '  \t ' } });
    expect(doc.validateParameter('GET', '/parts', 'search', '  ')).not.toEqual([]);
  });

  it('a webhook URL the server cannot take is invalid by the document', async () => {
    for (const url of ['ftp://example.com/', 'not a url', 'http://user:pw@example.com/', 'http:///x', 'a:b'])
      expect(invalidByDocument('POST', '/webhook-endpoints', { url, eventTypes: ['*'] }), url).not.toEqual(
        [],
      );
    expect(
      invalidByDocument('POST', '/webhook-endpoints', { url: 'http://127.0.0.1:9/hook', eventTypes: ['*'] }),
    ).toEqual([]);
  });

  it('path parameters are described by the fields they fill: an ID code’s shape, integer ids', async () => {
    const part = await f.part();
    expect(doc.validateParameter('GET', '/parts/{code}', 'code', part.code)).toEqual([]);
    expect(doc.validateParameter('GET', '/parts/{code}', 'code', part.code.toLowerCase())).toEqual([]);
    for (const bad of ['not-a-code', 'ZZZ', 'P_1', 'x'.repeat(200), 'ABCDEFGHUK'])
      expect(doc.validateParameter('GET', '/parts/{code}', 'code', bad), bad).not.toEqual([]);
    expect(doc.validateParameter('DELETE', '/tokens/{id}', 'id', 'abc')).not.toEqual([]);
    expect(doc.validateParameter('DELETE', '/tokens/{id}', 'id', 3)).toEqual([]);
    await refused(400, 'code', 'GET', '/parts/{code}', '/api/v1/parts/not-a-code');
  });

  it('the event type patterns a webhook endpoint takes are in the document', () => {
    for (const pattern of ['*', 'build.*', 'build.completed', 'recall.ready'])
      expect(
        invalidByDocument('POST', '/webhook-endpoints', {
          url: 'http://127.0.0.1:9/',
          eventTypes: [pattern],
        }),
        pattern,
      ).toEqual([]);
    for (const pattern of ['build.nope', 'b.*', '.*', 'build', 'nothing.*'])
      expect(
        invalidByDocument('POST', '/webhook-endpoints', {
          url: 'http://127.0.0.1:9/',
          eventTypes: [pattern],
        }),
        pattern,
      ).not.toEqual([]);
  });

  it('the serial list and serial format grammars are in the document', async () => {
    for (const serials of ['1-20,25', '3', '1 - 5, 9'])
      expect(invalidByDocument('POST', '/builds/{code}/complete', { serials }), serials).toEqual([]);
    for (const serials of ['1-', 'a', '1;2', '-3', '0', ''])
      expect(invalidByDocument('POST', '/builds/{code}/complete', { serials }), serials).not.toEqual([]);
    expect(doc.validateParameter('GET', '/builds/{code}/units', 'serials', 'x')).not.toEqual([]);
    for (const serialFormat of ['PX-{yy}{ww}-{seq:05}', '{seq}', 'A#{seq:2}/{yyyy}'])
      expect(invalidByDocument('PATCH', '/projects/{code}', { serialFormat }), serialFormat).toEqual([]);
    for (const serialFormat of ['no-seq', '{seq}{seq}', '{seq:123}', 'A*{seq}', '{yy:2}{seq}', '{foo}{seq}'])
      expect(invalidByDocument('PATCH', '/projects/{code}', { serialFormat }), serialFormat).not.toEqual([]);
  });

  it('counts of free-form members, a zero adjustment and a test result’s address are in the document', () => {
    const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    expect(invalidByDocument('POST', '/parts', { name: 'R', fields: many(101) })).not.toEqual([]);
    expect(invalidByDocument('POST', '/parts', { name: 'R', fields: many(100) })).toEqual([]);
    expect(invalidByDocument('POST', '/lots/{code}/adjust', { delta: 0, reason: 'count' })).not.toEqual([]);
    expect(invalidByDocument('POST', '/lots/{code}/adjust', { delta: -2, reason: 'count' })).toEqual([]);
    const result = { test: 'ICT', passed: true };
    const bulk = (item: object) =>
      invalidByDocument('POST', '/test-results', { results: [{ ...result, ...item }] });
    expect(bulk({ code: 'ABCDEFGHJK' })).toEqual([]);
    expect(bulk({ build: 'ABCDEFGHJK', serial: 3 })).toEqual([]);
    expect(bulk({})).not.toEqual([]);
    expect(bulk({ build: 'ABCDEFGHJK' })).not.toEqual([]);
    expect(bulk({ code: 'ABCDEFGHJK', serial: 3 })).not.toEqual([]);
  });

  it('a body does not name again what its path names', () => {
    const result = { test: 'ICT', passed: true };
    expect(invalidByDocument('POST', '/lots/{code}/test-results', result)).toEqual([]);
    expect(
      invalidByDocument('POST', '/lots/{code}/test-results', { ...result, build: 'ABCDEFGHJK', serial: 1 }),
    ).not.toEqual([]);
    expect(
      invalidByDocument('POST', '/builds/{code}/units/{serial}/test-results', {
        ...result,
        code: 'ABCDEFGHJK',
      }),
    ).not.toEqual([]);
    expect(invalidByDocument('POST', '/projects/{code}/bom', { csv: 'x', projectName: 'P' })).not.toEqual([]);
  });

  it('force needs a reason, in the document as on the server', async () => {
    expect(invalidByDocument('POST', '/builds/{code}/complete', { force: true })).not.toEqual([]);
    expect(invalidByDocument('POST', '/builds/{code}/complete', { force: true, reason: ' ' })).not.toEqual(
      [],
    );
    expect(
      invalidByDocument('POST', '/builds/{code}/complete', { force: true, reason: 'line stop' }),
    ).toEqual([]);
    expect(invalidByDocument('POST', '/builds/{code}/complete', { force: false })).toEqual([]);
  });
});

describe('a lintable document (#18)', () => {
  type Op = {
    operationId: string;
    tags: string[];
    responses: Record<string, { headers?: Record<string, { $ref: string }> }>;
  };
  const operations = () =>
    Object.entries(document.paths as Record<string, Record<string, Op>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ at: `${method} ${path}`, op })),
    );

  it('gives every operation a unique operationId, from its command', () => {
    const ids = operations().map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.operation('POST', '/lots/{code}/attachments')).toMatchObject({
      operationId: 'addAttachmentForLot',
    });
    expect(doc.operation('POST', '/builds/{code}/units/{serial}/test-results')).toMatchObject({
      operationId: 'recordTestResultForUnit',
    });
    expect(doc.operation('GET', '/parts')).toMatchObject({ operationId: 'listParts' });
  });

  it('declares every tag at the top level, with a description', () => {
    const tags = document.tags as { name: string; description: string }[];
    for (const tag of tags) expect(tag.description, tag.name).toBeTruthy();
    const declared = new Set(tags.map((t) => t.name));
    for (const { at, op } of operations()) for (const tag of op.tags) expect(declared, at).toContain(tag);
  });

  it('documents 429 on every operation, with the rate limit headers', () => {
    for (const { at, op } of operations())
      expect(Object.keys(op.responses['429']?.headers ?? {}), at).toEqual([
        'RateLimit',
        'RateLimit-Policy',
        'Retry-After',
      ]);
  });

  it('bounds integers only where a real bound exists', () => {
    const text = JSON.stringify(document);
    expect(text).not.toContain(String(Number.MAX_SAFE_INTEGER));
    expect(doc.validateParameter('GET', '/parts', 'limit', 501)).not.toEqual([]);
    expect(doc.validateParameter('DELETE', '/tokens/{id}', 'id', 0)).not.toEqual([]);
  });

  it('names a relative server, so the reference works from any host', () => {
    expect(document.servers).toEqual([{ url: '/api/v1' }]);
  });

  it('documents no project name on an import into a project named by its code', () => {
    const op = doc.operation('POST', '/projects/{code}/bom');
    expect(Object.keys(doc.requestBodySchema('POST', '/projects/{code}/bom').properties)).not.toContain(
      'createProject',
    );
    expect((op.parameters ?? []).map((p) => p.name)).not.toContain('createProject');
    expect(JSON.stringify(op)).not.toContain('projectName');
  });
});
