/**
 * Redis goes away (SIGKILL) while builds are being started, advanced and completed, and comes back
 * (AOF persistence, as in docker-compose). Requests made during the outage still succeed — their jobs
 * and events wait in the PostgreSQL outbox — and afterwards every build finishes with exactly its
 * units (serials unique), the ledger balances, and every event reaches the webhook receiver once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { settledBuild, startBackground, type Background } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { startPrivateRedis, type PrivateRedis } from '../helpers/redis-server.ts';
import { type WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { expectBuildUnits, expectEachEventDeliveredOnce, subscribedReceiver } from '../helpers/deliveries.ts';
import { expectLedgerBalanced } from '../helpers/ledger.ts';

let redis: PrivateRedis;
let ctx: TestContext;
let bg: Background;
let receiver: WebhookReceiver;

beforeAll(async () => {
  redis = await startPrivateRedis();
  ctx = await createTestContext({
    env: {
      REDIS_URL: redis.url,
      WEBHOOK_ALLOW_LIST: '127.0.0.1',
      WEBHOOK_RETRY_DELAYS_MS: '200,200,200,200,200,200,200',
      JOB_LOCK_MS: '3000',
    },
  });
  bg = await startBackground(ctx);
});
afterAll(async () => {
  await bg?.stop();
  await receiver?.close();
  await ctx?.close();
  await redis?.close();
});

describe('Redis outage', () => {
  it('loses no job and no event, and delivers each event once', async () => {
    receiver = await subscribedReceiver(ctx, ['build.*', 'lots.generated']);

    const f = factories({ uow: ctx.uow });
    const component = await f.part();
    await f.lot({ part: component.code, quantity: 10_000 });
    const project = await f.project({ lines: [{ part: component.code, quantity: 1 }] });
    const start = async (body: Record<string, unknown>) => {
      const res = await ctx.api('POST', '/api/v1/builds', { body: { project: project.code, ...body } });
      expect(res.status, res.text).toBe(201);
      return (res.body.build as { code: string }).code;
    };

    const before = [
      await start({ quantity: 5 }),
      await start({ quantity: 20, trackUnits: true, stages: ['Test'] }),
      await start({ quantity: 30, trackUnits: true, stages: ['Burn-in'] }),
    ];
    const generatedAll = (b: Record<string, unknown>) =>
      b.status === 'in_progress' &&
      (b.progress as { generated: number }).generated === (b.quantity as number);
    await settledBuild(ctx, before[1]!, generatedAll);
    await settledBuild(ctx, before[2]!, generatedAll);
    // The third build's one stage is done before the outage, so it can be completed during it.
    expect((await ctx.api('POST', `/api/v1/builds/${before[2]}/advance`, { body: {} })).status).toBe(202);
    const stagesDone = (b: Record<string, unknown>) =>
      (b.stages as { completedAt: string | null }[]).every((s) => s.completedAt);
    await settledBuild(ctx, before[2]!, stagesDone);

    await redis.kill();
    // While Redis is down the API keeps answering: the work waits in the outbox.
    const during = [await start({ quantity: 3 }), await start({ quantity: 50, trackUnits: true })];
    const advance = await ctx.api('POST', `/api/v1/builds/${before[1]}/advance`, { body: {} });
    expect(advance.status).toBe(202);
    const completeDuring = await ctx.api('POST', `/api/v1/builds/${before[2]}/complete`, { body: {} });
    expect(completeDuring.status, completeDuring.text).toBe(202);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(
      Number((await ctx.db('job_outbox').whereNull('relayed_at').count<{ n: number }[]>('* as n'))[0]!.n),
    ).toBeGreaterThan(0);
    await redis.start();

    for (const code of [before[0]!, before[2]!, ...during])
      await settledBuild(ctx, code, (b) => b.status === 'completed');
    await settledBuild(ctx, before[1]!, stagesDone);
    const complete = await ctx.api('POST', `/api/v1/builds/${before[1]}/complete`, { body: {} });
    expect(complete.status).toBe(202);
    await settledBuild(ctx, before[1]!, (b) => b.status === 'completed');

    for (const code of [...before, ...during]) await expectBuildUnits(ctx, code);
    await expectLedgerBalanced(ctx);
    const completed = await ctx.db('events').where({ type: 'build.completed' }).pluck('stream');
    expect(completed.sort()).toEqual([...before, ...during].map((code) => `build:${code}`).sort());

    const expected = (await ctx
      .db('events')
      .whereIn('type', [
        'build.started',
        'build.stage_completed',
        'build.completed',
        'lots.generated',
        'build.cancelled',
      ])) as {
      stream: string;
      sequence: number;
    }[];
    await expectEachEventDeliveredOnce(receiver, expected);
  });
});
