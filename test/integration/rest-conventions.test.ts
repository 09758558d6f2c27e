/**
 * REST conventions (#18): strong ETags on every resource a client may change, If-Match checked
 * atomically with the write (412, nothing changed; two clients with one tag: one wins), 405 with
 * Allow for a method a path does not take, and unknown query parameters refused with 400 naming them.
 * Every answer here is also checked against the OpenAPI document.
 */
import { randomBytes } from 'node:crypto';
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

const slackUserId = () => `U${randomBytes(5).toString('hex').toUpperCase()}`;

/** Each resource a client may change: where it is, and a change that makes a difference. */
interface Resource {
  kind: string;
  template: string;
  create: () => Promise<string>;
  patch: (n: number) => { method: 'PATCH' | 'PUT'; body: Record<string, unknown> };
  deletes: boolean;
}
const RESOURCES: Resource[] = [
  {
    kind: 'part',
    template: '/parts/{code}',
    create: async () => `/parts/${(await f.part()).code}`,
    patch: (n) => ({ method: 'PATCH', body: { description: `rev ${n}` } }),
    deletes: true,
  },
  {
    kind: 'location',
    template: '/locations/{code}',
    create: async () => `/locations/${(await f.location()).code}`,
    patch: (n) => ({ method: 'PATCH', body: { description: `rev ${n}` } }),
    deletes: true,
  },
  {
    kind: 'lot',
    template: '/lots/{code}',
    create: async () => `/lots/${(await f.lot()).code}`,
    patch: (n) => ({ method: 'PATCH', body: { supplierOrder: `PO-${n}` } }),
    deletes: false,
  },
  {
    kind: 'project',
    template: '/projects/{code}',
    create: async () => `/projects/${(await f.project()).code}`,
    patch: (n) => ({ method: 'PATCH', body: { description: `rev ${n}` } }),
    deletes: true,
  },
  {
    kind: 'webhook endpoint',
    template: '/webhook-endpoints/{id}',
    create: async () => {
      const res = await ctx.api('POST', '/api/v1/webhook-endpoints', {
        body: { url: 'http://127.0.0.1:9/hook', eventTypes: ['recall.ready'] },
      });
      return `/webhook-endpoints/${res.body.id as number}`;
    },
    patch: (n) => ({ method: 'PATCH', body: { description: `rev ${n}` } }),
    deletes: true,
  },
  {
    kind: 'Slack user',
    template: '/slack-users/{user}',
    create: async () => {
      const user = slackUserId();
      await ctx.api('PUT', `/api/v1/slack-users/${user}`, { body: { role: 'viewer', name: 'rev 0' } });
      return `/slack-users/${user}`;
    },
    patch: (n) => ({ method: 'PUT', body: { role: 'viewer', name: `rev ${n}` } }),
    deletes: true,
  },
];

const isStrongTag = (tag: string | null) => tag !== null && /^"[^"]+"$/.test(tag);

describe.each(RESOURCES)('ETag and If-Match: $kind', (r) => {
  it('answers a strong ETag on GET and on the change, a new one after it, and 304 to If-None-Match', async () => {
    const path = await r.create();
    const first = await call('GET', r.template, path);
    const tag = first.headers.get('etag');
    expect(isStrongTag(tag), String(tag)).toBe(true);
    expect((await call('GET', r.template, path)).headers.get('etag')).toBe(tag);

    const unchanged = await call('GET', r.template, path, { headers: { 'if-none-match': tag! } });
    expect(unchanged.status).toBe(304);
    expect(unchanged.text).toBe('');
    expect(unchanged.headers.get('etag')).toBe(tag);

    const { method, body } = r.patch(1);
    const changed = await call(method, r.template, path, { body, headers: { 'if-match': tag! } });
    expect(changed.status, changed.text).toBe(200);
    const next = changed.headers.get('etag');
    expect(isStrongTag(next)).toBe(true);
    expect(next).not.toBe(tag);
    // The change's ETag is the tag GET now answers, for the same body.
    const after = await call('GET', r.template, path);
    expect(after.headers.get('etag')).toBe(next);
    expect(after.body).toEqual(changed.body);
    expect((await call('GET', r.template, path, { headers: { 'if-none-match': tag! } })).status).toBe(200);
  });

  it('refuses a stale If-Match with 412 naming the current ETag, and changes nothing', async () => {
    const path = await r.create();
    const stale = (await call('GET', r.template, path)).headers.get('etag')!;
    const first = r.patch(1);
    const current = (await call(first.method, r.template, path, { body: first.body })).headers.get('etag')!;
    const before = await databaseFingerprint(ctx);
    const { method, body } = r.patch(2);
    const refused = await call(method, r.template, path, { body, headers: { 'if-match': stale } });
    expectProblem(refused, 412);
    expect(refused.body.etag).toBe(current);
    expect(refused.headers.get('etag')).toBe(current);
    expect(refused.body.detail).toContain(current);
    expect(refused.body.detail).toMatch(/GET it again/);
    expect(await databaseFingerprint(ctx)).toBe(before);
    expect((await call('GET', r.template, path)).headers.get('etag')).toBe(current);

    // A list naming the current tag matches; a weak tag never does (If-Match compares strongly).
    expectProblem(
      await call(method, r.template, path, { body, headers: { 'if-match': `W/${current}` } }),
      412,
    );
    const listed = await call(method, r.template, path, {
      body,
      headers: { 'if-match': `${stale}, ${current}` },
    });
    expect(listed.status, listed.text).toBe(200);
  });

  it('behaves as before with If-Match: * or without the header', async () => {
    const path = await r.create();
    const a = r.patch(3);
    expect(
      (await call(a.method, r.template, path, { body: a.body, headers: { 'if-match': '*' } })).status,
    ).toBe(200);
    const b = r.patch(4);
    expect((await call(b.method, r.template, path, { body: b.body })).status).toBe(200);
  });

  it('lets exactly one of two changes sent with the same tag through', async () => {
    for (let round = 0; round < 4; round++) {
      const path = await r.create();
      const tag = (await call('GET', r.template, path)).headers.get('etag')!;
      const answers = await Promise.all(
        [10, 11].map((n) => {
          const { method, body } = r.patch(n);
          return call(method, r.template, path, { body, headers: { 'if-match': tag } });
        }),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([200, 412]);
      const winner = answers.find((a) => a.status === 200)!;
      const loser = answers.find((a) => a.status === 412)!;
      expect(loser.body.etag).toBe(winner.headers.get('etag'));
      expect((await call('GET', r.template, path)).body).toEqual(winner.body);
    }
  });
});

describe.each(RESOURCES.filter((r) => r.deletes))('If-Match on DELETE: $kind', (r) => {
  it('honours If-Match on DELETE', async () => {
    const path = await r.create();
    const stale = (await call('GET', r.template, path)).headers.get('etag')!;
    const { method, body } = r.patch(5);
    const current = (await call(method, r.template, path, { body })).headers.get('etag')!;
    const before = await databaseFingerprint(ctx);
    expectProblem(await call('DELETE', r.template, path, { headers: { 'if-match': stale } }), 412);
    expect(await databaseFingerprint(ctx)).toBe(before);
    expect((await call('GET', r.template, path)).status).toBe(200);
    const deleted = await call('DELETE', r.template, path, { headers: { 'if-match': current } });
    expect(deleted.status, deleted.text).toBeLessThan(300);
    if (r.kind !== 'Slack user') expect((await call('GET', r.template, path)).status).toBe(404);
  });
});

describe('If-Match under a race', () => {
  it('holds both changes at the row lock, then lets exactly one through', async () => {
    const part = await f.part();
    const path = `/parts/${part.code}`;
    const tag = (await call('GET', '/parts/{code}', path)).headers.get('etag')!;
    // Another writer holds the row: both requests read the same tag, then wait at the lock.
    const holder = await ctx.db.transaction();
    try {
      await holder('parts').where({ code: part.code }).forUpdate().first('id');
      const answers = Promise.all(
        [1, 2].map((n) =>
          call('PATCH', '/parts/{code}', path, {
            body: { description: `race ${n}` },
            headers: { 'if-match': tag },
          }),
        ),
      );
      for (let i = 0; ; i++) {
        const waiting = await ctx.db.raw<{ rows: { n: string }[] }>(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        if (Number(waiting.rows[0]!.n) >= 2) break;
        if (i > 400) throw new Error('the two changes never waited at the lock');
        await new Promise((r) => setTimeout(r, 10));
      }
      await holder.commit();
      const statuses = (await answers).map((a) => a.status).sort();
      expect(statuses).toEqual([200, 412]);
    } finally {
      if (!holder.isCompleted()) await holder.rollback();
    }
  });
});

describe('If-Match, edge cases', () => {
  it('answers 404, not 412, for a resource that does not exist', async () => {
    const part = (await f.part()).code;
    await call('DELETE', '/parts/{code}', `/parts/${part}`);
    expectProblem(
      await call('PATCH', '/parts/{code}', `/parts/${part}`, {
        body: { description: 'x' },
        headers: { 'if-match': '"abc"' },
      }),
      404,
    );
  });

  it('answers 412 to a PUT that would create a Slack user the If-Match says exists', async () => {
    const user = slackUserId();
    const res = await call('PUT', '/slack-users/{user}', `/slack-users/${user}`, {
      body: { role: 'viewer' },
      headers: { 'if-match': '"abc"' },
    });
    expectProblem(res, 412);
    expect((await call('GET', '/slack-users/{user}', `/slack-users/${user}`)).status).toBe(404);
  });

  it('refuses an If-Match that is not entity tags with 400 naming it', async () => {
    const part = (await f.part()).code;
    const res = await call('PATCH', '/parts/{code}', `/parts/${part}`, {
      body: { description: 'x' },
      headers: { 'if-match': 'abc' },
    });
    expectProblem(res, 400);
    expect(res.body.errors).toEqual([{ field: 'If-Match', message: expect.any(String) as string }]);
  });

  it('checks the tag after the body: a bad body is a 400 whatever the tag', async () => {
    const part = (await f.part()).code;
    const res = await call('PATCH', '/parts/{code}', `/parts/${part}`, {
      body: { colour: 'red' },
      headers: { 'if-match': '"stale"' },
    });
    expectProblem(res, 400);
  });

  it('documents ETag, If-Match and 412 on the operations that take them', () => {
    for (const r of RESOURCES) {
      const get = doc.operation('GET', r.template);
      expect(get.parameters?.map((p) => p.name)).toContain('If-None-Match');
      const change = doc.operation(r.patch(0).method, r.template);
      expect(change.parameters?.map((p) => p.name)).toContain('If-Match');
      expect(change.responses['412']).toBeDefined();
      expect((change.responses['200'] as { headers?: object }).headers).toHaveProperty('ETag');
      expect((get.responses['200'] as { headers?: object }).headers).toHaveProperty('ETag');
    }
    expect(doc.operation('GET', '/parts').parameters?.map((p) => p.name)).not.toContain('If-None-Match');
  });
});

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
