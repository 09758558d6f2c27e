/**
 * Rate limits shared by the web processes (#19): two app instances over one deployment — the same
 * database, the same Redis and queue prefix, each with its own connections and counts, as two web
 * processes have — give a caller one budget, not two: the (limit+1)-th request across both is a 429
 * problem, as from one process. With Redis the counts live in the queue's Redis; without it in
 * PostgreSQL. While Redis is away the limits fail open to each process's own counts (the API stays
 * up, a warning is logged, a metric counts it), and share again once it is back.
 */
import { createServer } from 'node:http';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/knex.ts';
import { rateLimitCounts } from '../../src/db/rate-limit-counts.ts';
import { createApp } from '../../src/http/app.ts';
import { STORE_TIMEOUT_MS } from '../../src/http/rate-limit-stores.ts';
import { unauthenticatedPerMinute } from '../../src/http/security.ts';
import { assembleRuntime, type Runtime } from '../../src/main/bootstrap.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { startPrivateRedis, type PrivateRedis } from '../helpers/redis-server.ts';

const PER_MINUTE = 6;

interface Web {
  url: string;
  runtime: Runtime;
  /** What the process logged (JSON lines, warnings and worse). */
  logs(): string;
  close(): Promise<void>;
}

/** Another web process of `ctx`'s deployment: its config, database and queue, connections of its own. */
async function anotherWeb(ctx: TestContext): Promise<Web> {
  let logs = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs += chunk.toString();
      done();
    },
  });
  const log = pino({ level: 'warn' }, sink);
  const runtime = assembleRuntime(
    ctx.config,
    log,
    createDb({ url: ctx.databaseUrl, poolMax: 2 }),
    ctx.databaseUrl,
  );
  const server = createServer(createApp(runtime));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    runtime,
    logs: () => logs,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.close();
    },
  };
}

const get = (web: { url: string }, path: string, token?: string) =>
  fetch(`${web.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

async function expectTooMany(res: Response, detail: string) {
  expect(res.status).toBe(429);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(res.headers.get('ratelimit')).toMatch(/; r=0; t=\d+$/);
  expect(res.headers.get('ratelimit-policy')).toMatch(new RegExp(`; q=${PER_MINUTE}; w=60(;|$)`));
  expect(await res.json()).toEqual({
    type: 'https://buildtrace.dev/problems/429',
    title: 'Too Many Requests',
    status: 429,
    detail: `${detail}: at most ${PER_MINUTE} a minute; retry after the Retry-After header's seconds`,
    instance: new URL(res.url).pathname,
    requestId: res.headers.get('x-request-id'),
  });
}

/** The statuses of `n` requests made in turn to each of `webs`. */
async function alternating(webs: Web[], n: number, path: string, token?: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) statuses.push((await get(webs[i % webs.length]!, path, token)).status);
  return statuses;
}

describe.each(['redis', 'postgres'] as const)('rate limits shared through %s', (queueBackend) => {
  let ctx: TestContext;
  let a: Web;
  let b: Web;
  beforeAll(async () => {
    ctx = await createTestContext({
      queueBackend,
      env: {
        RATE_LIMIT_PER_MINUTE: String(PER_MINUTE),
        SLACK_RATE_LIMIT_PER_MINUTE: String(PER_MINUTE),
      },
    });
    [a, b] = await Promise.all([anotherWeb(ctx), anotherWeb(ctx)]);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await ctx?.close();
  });

  it('counts the store where the queue is', () => {
    expect(a.runtime.rateLimits.kind).toBe(queueBackend);
  });

  it('gives a token one budget across both processes: the (limit+1)-th request is a 429, from either', async () => {
    const token = ctx.tokens.viewer;
    expect(await alternating([a, b], PER_MINUTE, '/api/v1/parts', token)).toEqual(
      Array(PER_MINUTE).fill(200),
    );
    await expectTooMany(await get(a, '/api/v1/parts', token), 'too many API requests');
    await expectTooMany(await get(b, '/api/v1/parts', token), 'too many API requests');
    // Another token's budget is its own.
    expect((await get(b, '/api/v1/parts', ctx.tokens.operator)).status).toBe(200);
  });

  it('gives an address without a valid token one budget across both processes', async () => {
    const budget = unauthenticatedPerMinute(PER_MINUTE);
    expect(await alternating([a, b], budget, '/api/v1/parts')).toEqual(Array(budget).fill(401));
    await expectTooMany(
      await get(b, '/api/v1/parts'),
      'too many API requests without a valid API token from this address',
    );
    await expectTooMany(
      await get(a, '/api/v1/parts', 'bt_0123456789abcdef0123456789abcdef0123456789abcdef'),
      'too many API requests without a valid API token from this address',
    );
  });

  it("shares the API reference's budget per address", async () => {
    expect(await alternating([a, b], PER_MINUTE, '/api/v1/openapi.json')).toEqual(
      Array(PER_MINUTE).fill(200),
    );
    await expectTooMany(await get(b, '/api/v1/openapi.json'), 'too many API requests');
  });

  it("shares the Slack endpoint's budget per address", async () => {
    // The limit comes before Slack's own checks (and these instances mount no Slack app: 404).
    const post = (web: Web) => fetch(`${web.url}/slack/events`, { method: 'POST', body: '{}' });
    const statuses: number[] = [];
    for (let i = 0; i < PER_MINUTE; i++) statuses.push((await post([a, b][i % 2]!)).status);
    expect(statuses).toEqual(Array(PER_MINUTE).fill(404));
    await expectTooMany(await post(a), 'too many Slack requests');
  });

  it.runIf(queueBackend === 'postgres')(
    'records seen Slack requests in the database: a key claimed by one process is refused by the other',
    async () => {
      expect(await a.runtime.queues.backend.claimOnce('slack-seen:1:abc', 60_000)).toBe(true);
      expect(await b.runtime.queues.backend.claimOnce('slack-seen:1:abc', 60_000)).toBe(false);
      expect(await b.runtime.queues.backend.claimOnce('slack-seen:1:abd', 60_000)).toBe(true);
    },
  );

  it.runIf(queueBackend === 'postgres')(
    'starts a window again once it ends, and sweeps ended ones',
    async () => {
      const counts = rateLimitCounts(ctx.db);
      expect((await counts.hit('rl:test:k', 200)).hits).toBe(1);
      expect((await counts.hit('rl:test:k', 200)).hits).toBe(2);
      expect(await counts.get('rl:test:k')).toMatchObject({ hits: 2 });
      await new Promise((r) => setTimeout(r, 250));
      expect(await counts.get('rl:test:k')).toBeUndefined();
      expect((await counts.hit('rl:test:k', 200)).hits).toBe(1);
      await counts.hit('rl:test:ended', 1);
      await new Promise((r) => setTimeout(r, 20));
      expect(await counts.sweep(0)).toBeGreaterThanOrEqual(1);
      expect(await ctx.db('rate_limit_counts').where({ key: 'rl:test:ended' }).first()).toBeUndefined();
    },
  );
});

describe('while Redis is away', () => {
  const LIMIT = 8;
  let redis: PrivateRedis;
  let ctx: TestContext;
  let a: Web;
  let b: Web | undefined;
  let redisDown = false;
  beforeAll(async () => {
    redis = await startPrivateRedis({ persist: false });
    ctx = await createTestContext({ env: { REDIS_URL: redis.url, RATE_LIMIT_PER_MINUTE: String(LIMIT) } });
    a = await anotherWeb(ctx);
  });
  afterAll(async () => {
    // The queues close cleanly only with their Redis there.
    if (redisDown) await redis.start();
    await a?.close();
    await b?.close();
    await ctx?.close();
    await redis?.close();
  });

  /** Hits the shared store failed in `web`, for one limiter or all. */
  const storeErrors = async (web: Web, limiter?: string) =>
    (await web.runtime.metrics.rateLimitStoreErrors.get()).values
      .filter((v) => limiter === undefined || v.labels.limiter === limiter)
      .reduce((n, v) => n + v.value, 0);

  it('fails open to each process’s own budget, logs and counts it, and shares again once it is back', async () => {
    const token = ctx.tokens.viewer;
    expect((await get(a, '/api/v1/parts', token)).status).toBe(200);

    await redis.kill();
    redisDown = true;
    // A process started during the outage (its scripts cannot be loaded yet) answers too.
    b = await anotherWeb(ctx);
    const t0 = performance.now();
    // Each process counts alone: its own budget, then 429 as usual.
    const onA = await alternating([a], LIMIT + 1, '/api/v1/parts', token);
    const onB = await alternating([b], LIMIT + 1, '/api/v1/parts', token);
    const ms = performance.now() - t0;
    expect(onA).toEqual([...Array(LIMIT).fill(200), 429]);
    expect(onB).toEqual([...Array(LIMIT).fill(200), 429]);
    // Failing fast: the requests do not wait for the store's timeout (500 ms) each.
    expect(ms).toBeLessThan(((LIMIT + 1) * 2 * STORE_TIMEOUT_MS) / 2);
    expect(await storeErrors(a, 'api-token')).toBeGreaterThanOrEqual(LIMIT + 1);
    expect(await storeErrors(b, 'api-token')).toBeGreaterThanOrEqual(LIMIT + 1);
    for (const web of [a, b]) {
      const warnings = web
        .logs()
        .split('\n')
        .filter((l) => l.includes("the rate limits' shared store is unreachable"));
      // Once a minute per limiter, not once a request.
      expect(warnings.length).toBeGreaterThanOrEqual(1);
      expect(warnings.length).toBeLessThanOrEqual(3);
    }

    await redis.start();
    redisDown = false;
    // Both processes reconnect (ioredis retries within 2 s), then count in Redis again.
    const admin = ctx.tokens.admin;
    const deadline = Date.now() + 15_000;
    for (;;) {
      const before = (await storeErrors(a)) + (await storeErrors(b!));
      await get(a, '/api/v1/openapi.json');
      await get(b, '/api/v1/openapi.json');
      const probe = new Redis(redis.url);
      const keys = await probe.keys(`${ctx.queuePrefix}:rl:api-reference:*`);
      probe.disconnect();
      const after = (await storeErrors(a)) + (await storeErrors(b!));
      if (keys.length > 0 && after === before) break;
      expect(Date.now(), 'the limits did not share again after Redis came back').toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(await alternating([a, b], LIMIT, '/api/v1/parts', admin)).toEqual(Array(LIMIT).fill(200));
    expect((await get(a, '/api/v1/parts', admin)).status).toBe(429);
  });
});
