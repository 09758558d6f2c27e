/**
 * Platform pieces: the outbox relay hands events and job requests to BullMQ exactly once even when
 * the queue is unreachable for a while, workers process them on both queue backends, health
 * endpoints, and the OpenAPI document and reference page.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOBS } from '../../workers/catalogue.ts';
import { buildRegistry, startWorkers } from '../../workers/index.ts';
import type { AddressInfo } from 'node:net';
import { createDb } from '../../src/db/knex.ts';
import { createApp } from '../../src/http/app.ts';
import { createQueueBackend } from '../../src/queue/backend.ts';
import { OutboxRelay } from '../../src/queue/outbox-relay.ts';
import { Queues } from '../../src/queue/queues.ts';
import { apiRoutes } from '../../src/http/routes/index.ts';
import { factories } from '../factories.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';

const silent = pino({ level: 'silent' });
/** A quarantine writes lot.status_changed and, as the move is on the lot's timeline, lot.event_recorded. */
const EVENTS_PER_QUARANTINE = 2;

async function quarantineSomeLots(ctx: TestContext, n: number): Promise<void> {
  const f = factories({ uow: ctx.uow });
  for (let i = 0; i < n; i++) {
    const lot = await f.lot();
    const res = await ctx.api('POST', `/api/v1/lots/${lot.code}/quarantine`, {
      body: { reason: `check ${i}` },
    });
    expect(res.status).toBe(200);
  }
}

async function waitFor<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(['redis', 'postgres'] as const)('outbox relay and workers on the %s backend', (backend) => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext({ queueBackend: backend });
  });
  afterAll(async () => ctx?.close());

  it('hands every event over exactly once and the worker fans it out', async () => {
    await quarantineSomeLots(ctx, 3);
    const relay = new OutboxRelay({
      db: ctx.db,
      databaseUrl: ctx.databaseUrl,
      queues: ctx.queues,
      log: silent,
    });
    expect(await relay.relayOnce()).toBe(3 * EVENTS_PER_QUARANTINE);
    expect(await relay.relayOnce()).toBe(0);
    // A crash between hand-over and marking: the same rows handed over again add no job.
    await ctx.db('events').update({ relayed_at: null });
    expect(await relay.relayOnce()).toBe(3 * EVENTS_PER_QUARANTINE);
    const queue = ctx.queues.get('webhooks');
    // One fan-out job per request's events, and the second hand-over of the same rows added none.
    const counts = await queue.getJobCounts('waiting', 'completed', 'active', 'delayed');
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(3);

    const workers = startWorkers(ctx, { registry: buildRegistry(), queues: ['webhooks'], concurrency: 2 });
    try {
      await waitFor(async () => (await queue.getJobCounts('completed')).completed === 3);
    } finally {
      await workers.close();
    }
  });

  it('keeps events while the queue is unreachable and hands them over when it returns', async () => {
    const before = Number(
      (await ctx.db('events').whereNull('relayed_at').count<{ n: number }[]>('* as n'))[0]!.n,
    );
    await quarantineSomeLots(ctx, 2);
    const unreachable = createQueueBackend(
      backend === 'redis'
        ? {
            kind: 'redis',
            redis: { topology: 'single', url: 'redis://127.0.0.1:1' },
            prefix: ctx.queuePrefix,
          }
        : { kind: 'postgres', url: 'postgres://postgres@127.0.0.1:1/none' },
    );
    const broken = new OutboxRelay({
      db: ctx.db,
      databaseUrl: ctx.databaseUrl,
      queues: new Queues(unreachable, JOBS),
      log: silent,
      handoverTimeoutMs: 1_000,
    });
    await expect(broken.relayOnce()).rejects.toThrow();
    expect(
      Number((await ctx.db('events').whereNull('relayed_at').count<{ n: number }[]>('* as n'))[0]!.n),
    ).toBe(before + 2 * EVENTS_PER_QUARANTINE);

    const relay = new OutboxRelay({
      db: ctx.db,
      databaseUrl: ctx.databaseUrl,
      queues: ctx.queues,
      log: silent,
      pollMs: 100,
    });
    await relay.start();
    try {
      await waitFor(
        async () =>
          Number((await ctx.db('events').whereNull('relayed_at').count<{ n: number }[]>('* as n'))[0]!.n) ===
          0,
      );
    } finally {
      await relay.stop();
      await unreachable.close().catch(() => undefined);
    }
  });

  it('reports readiness of the database and the queue', async () => {
    const res = await ctx.api('GET', '/readyz', { role: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', checks: { database: 'ok', queue: 'ok' } });
    expect((await ctx.api('GET', '/healthz', { role: null })).body).toEqual({ status: 'ok' });
  });

  it('answers 503 naming what is unreachable, while /healthz stays up', async () => {
    const deadQueue = createQueueBackend(
      backend === 'redis'
        ? {
            kind: 'redis',
            redis: { topology: 'single', url: 'redis://127.0.0.1:1' },
            prefix: ctx.queuePrefix,
          }
        : { kind: 'postgres', url: 'postgres://postgres@127.0.0.1:1/none' },
    );
    const deadDb = createDb({ url: 'postgres://postgres@127.0.0.1:1/none', poolMax: 1 });
    const app = createApp({ ...ctx, db: deadDb, queues: new Queues(deadQueue, JOBS), log: silent });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const started = Date.now();
      const res = await fetch(`${base}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { status: string; checks: Record<string, string> };
      expect(body.status).toBe('not ready');
      expect(body.checks.database).not.toBe('ok');
      expect(body.checks.queue).not.toBe('ok');
      expect(Date.now() - started).toBeLessThan(5_000);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await deadQueue.close().catch(() => undefined);
      await deadDb.destroy();
    }
  });
});

describe('worker registry', () => {
  it('refuses to start with a job that has no processor, or two', () => {
    expect(() => buildRegistry([])).toThrow(/no processor for events.fanout/);
    const one = buildRegistry().get('events.fanout')!;
    expect(() => buildRegistry([one, one])).toThrow(/two processors for events.fanout/);
  });
});

describe('OpenAPI document and reference', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => ctx?.close());

  it('serves a valid OpenAPI 3.1 document describing every route', async () => {
    const res = await ctx.api('GET', '/api/v1/openapi.json', { role: null });
    expect(res.status).toBe(200);
    const result = await new Validator().validate(
      res.body as unknown as Parameters<Validator['validate']>[0],
    );
    expect(result.errors ?? [], JSON.stringify(result.errors ?? []).slice(0, 2000)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(res.body.openapi).toBe('3.1.0');
    const paths = res.body.paths as Record<string, Record<string, { operationId: string }>>;
    for (const r of apiRoutes) expect(paths[r.path]?.[r.method], `${r.method} ${r.path}`).toBeDefined();
    const post = paths['/lots']!.post as unknown as {
      requestBody: { content: { 'application/json': { schema: { required: string[] } } } };
    };
    expect(post.requestBody.content['application/json'].schema.required).toEqual(['part', 'quantity']);
  });

  it('serves a browsable reference page', async () => {
    const redirect = await fetch(`${ctx.url}/api/v1/docs`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    const page = await fetch(`${ctx.url}/api/v1/docs/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger-ui');
    expect((await fetch(`${ctx.url}/api/v1/docs/assets/swagger-ui-bundle.js`)).status).toBe(200);
  });
});
