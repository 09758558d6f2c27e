/**
 * REST conventions (#18): 405 with Allow for a method a path does not take, and unknown query
 * parameters refused with 400 naming them. Every answer here is also checked against the OpenAPI
 * document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import {
  createTestContext,
  databaseFingerprint,
  type ApiResponse,
  type TestContext,
} from '../helpers/context.ts';
import { documentChecker, type DocumentChecker } from '../helpers/openapi.ts';

let ctx: TestContext;
let f: ReturnType<typeof factories>;
let doc: DocumentChecker;

beforeAll(async () => {
  ctx = await createTestContext({ env: { WEBHOOK_ALLOW_LIST: '127.0.0.1' } });
  f = factories({ uow: ctx.uow });
  doc = documentChecker((await ctx.api('GET', '/api/v1/openapi.json')).body);
});
afterAll(async () => {
  await ctx?.close();
});

/** Sends a request and checks its answer against the document's operation `template`. */
async function call(
  method: string,
  template: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const res = await ctx.api(method, `/api/v1${path}`, options);
  expect(doc.checkResponse(method, template, res), `${method} ${path} → ${res.status}`).toEqual([]);
  return res;
}

function expectProblem(res: ApiResponse, status: number): void {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(typeof res.body.detail).toBe('string');
}

describe('405 Method Not Allowed', () => {
  it('answers a path that exists with other methods 405 with Allow, as a problem', async () => {
    const lot = (await f.lot()).code;
    const res = await ctx.api('DELETE', `/api/v1/lots/${lot}`);
    expectProblem(res, 405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, PATCH, OPTIONS');
    expect(res.body.detail).toMatch(/DELETE is not allowed.*GET, HEAD, PATCH/);

    const put = await ctx.api('PUT', '/api/v1/parts', { body: { name: 'x' } });
    expectProblem(put, 405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST, OPTIONS');

    const get = await ctx.api('GET', '/api/v1/work/reconcile');
    expectProblem(get, 405);
    expect(get.headers.get('allow')).toBe('POST, OPTIONS');
  });

  it('gathers the methods of every path pattern a request matches', async () => {
    const build = await ctx.api('POST', '/api/v1/builds', {
      body: { project: (await f.project()).code, quantity: 1, start: false },
    });
    const code = (build.body.build as { code: string }).code;
    const res = await ctx.api('DELETE', `/api/v1/builds/${code}/units/scrap`);
    expectProblem(res, 405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, POST, OPTIONS');
  });

  it('answers OPTIONS with 204 and Allow', async () => {
    const part = (await f.part()).code;
    const res = await ctx.api('OPTIONS', `/api/v1/parts/${part}`);
    expect(res.status).toBe(204);
    expect(res.headers.get('allow')).toBe('GET, HEAD, PATCH, DELETE, OPTIONS');
  });

  it('still answers 404 for a path that does not exist, and 401 before either', async () => {
    expectProblem(await ctx.api('DELETE', '/api/v1/nothing-here'), 404);
    expectProblem(await ctx.api('GET', '/api/v1/parts/X/nothing'), 404);
    expectProblem(await ctx.api('DELETE', '/api/v1/lots/X', { role: null }), 401);
  });
});

describe('unknown query parameters', () => {
  it('refuses one on a list with 400 naming it, where it used to return everything', async () => {
    const before = await databaseFingerprint(ctx);
    const res = await call('GET', '/parts', '/parts?q=resistor');
    expectProblem(res, 400);
    expect(res.body.errors).toEqual([
      { field: 'q', message: expect.stringMatching(/not a query parameter/) },
    ]);
    expect(res.body.errors).toEqual([
      { field: 'q', message: expect.stringContaining('limit, cursor, kind, search') as string },
    ]);
    expect(await databaseFingerprint(ctx)).toBe(before);
  });

  it('names every unknown one, on reads and writes alike', async () => {
    const part = (await f.part()).code;
    const read = await call('GET', '/parts/{code}', `/parts/${part}?verbose=1&expand=all`);
    expectProblem(read, 400);
    expect((read.body.errors as { field: string }[]).map((e) => e.field)).toEqual(['verbose', 'expand']);

    const before = await databaseFingerprint(ctx);
    const write = await call('POST', '/parts', '/parts?dryRun=true', { body: { name: 'Not created' } });
    expectProblem(write, 400);
    expect(write.body.errors).toEqual([
      { field: 'dryRun', message: expect.stringContaining('takes no query parameters') as string },
    ]);
    const patch = await call('PATCH', '/parts/{code}', `/parts/${part}?force=1`, {
      body: { description: 'x' },
    });
    expectProblem(patch, 400);
    const del = await call('DELETE', '/parts/{code}', `/parts/${part}?cascade=true`);
    expectProblem(del, 400);
    expect(await databaseFingerprint(ctx)).toBe(before);
  });

  it('refuses one on an upload before reading the file', async () => {
    const lot = (await f.lot()).code;
    const boundary = 'b0undary';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--${boundary}--\r\n`;
    const before = await databaseFingerprint(ctx);
    const res = await call('POST', '/lots/{code}/attachments', `/lots/${lot}/attachments?overwrite=1`, {
      body,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    expectProblem(res, 400);
    expect((res.body.errors as { field: string }[])[0]!.field).toBe('overwrite');
    expect(await databaseFingerprint(ctx)).toBe(before);
  });

  it('still takes the parameters routes use: filters, limit and cursor, BOM options, work flags', async () => {
    const kind = await call('GET', '/parts', '/parts?kind=component&search=Part&limit=1');
    expect(kind.status, kind.text).toBe(200);
    expect((kind.body.items as unknown[]).length).toBe(1);
    const next = await call('GET', '/parts', `/parts?limit=1&cursor=${kind.body.nextCursor as string}`);
    expect(next.status, next.text).toBe(200);

    const lot = (await f.lot()).code;
    expect(
      (await call('GET', '/lots/{code}/history', `/lots/${lot}/history?order=desc&limit=5`)).status,
    ).toBe(200);
    expect((await call('GET', '/work', '/work?invariants=false')).status).toBe(200);

    const project = (await f.project()).code;
    const bom = await call(
      'POST',
      '/projects/{code}/bom',
      `/projects/${project}/bom?dryRun=true&mode=merge`,
      {
        body: 'Reference,Value,Footprint,Qty,MPN\nR1,10k,R_0603,1,RC0603FR-0710KL\n',
        headers: { 'content-type': 'text/csv' },
      },
    );
    expect(bom.status, bom.text).toBe(200);
  });

  it('leaves what is not routes-as-data alone: the document, the reference, scan pages, health', async () => {
    expect((await ctx.api('GET', '/api/v1/openapi.json?v=2')).status).toBe(200);
    expect((await ctx.api('GET', '/healthz?probe=1')).status).toBe(200);
  });
});
