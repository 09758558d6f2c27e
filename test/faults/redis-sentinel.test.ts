/**
 * Redis Sentinel failover in the middle of a tracked build: a primary, one replica and three
 * sentinels (down after 1 s). The worker process finds the primary through REDIS_SENTINELS; the
 * primary is SIGKILLed while units are being generated, the sentinels promote the replica, and the
 * worker's connections move to it. The build still finishes exact: serials 1..N once each, a
 * balanced ledger, one build.completed, every event delivered once. Replication is asynchronous, so
 * a job acknowledged by the old primary can be missing on the new one: the outbox hands work over
 * again and the reconciler redrives what stalled, which is what makes the result exact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { waitFor } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import {
  deliveriesSettled,
  expectBuildUnits,
  expectEachEventDeliveredOnce,
  subscribedReceiver,
  expectBuildEventsOnce,
} from '../helpers/deliveries.ts';
import { expectLedgerBalanced } from '../helpers/ledger.ts';
import { kill, processEnv, startProcess, type Proc } from '../helpers/processes.ts';
import { startPrivateSentinels, type PrivateSentinels } from '../helpers/redis-topologies.ts';
import type { WebhookReceiver } from '../helpers/webhook-receiver.ts';

let redis: PrivateSentinels;
let ctx: TestContext;
let worker: Proc | undefined;
let receiver: WebhookReceiver | undefined;
const UNITS = 2_000;
const WEBHOOKS = { WEBHOOK_ALLOW_LIST: '127.0.0.1', WEBHOOK_RETRY_DELAYS_MS: '200,200,200,200,200' };

beforeAll(async () => {
  redis = await startPrivateSentinels({ sentinels: 3, downAfterMs: 1_000 });
  ctx = await createTestContext({
    env: { ...WEBHOOKS, REDIS_SENTINELS: redis.sentinels, REDIS_SENTINEL_NAME: redis.name },
  });
}, 60_000);
afterAll(async () => {
  if (worker) await kill(worker);
  await receiver?.close();
  await ctx?.close();
  await redis?.close();
});

describe('Redis Sentinel failover', () => {
  it('moves to the promoted replica mid-build, and the build finishes exact', async () => {
    expect(ctx.config.redis?.topology).toBe('sentinel');
    receiver = await subscribedReceiver(ctx, ['build.*', 'lots.generated']);
    const f = factories({ uow: ctx.uow });
    const component = await f.part({ name: 'PCB blank' });
    await f.lot({ part: component.code, quantity: UNITS });
    const project = await f.project({
      serialFormat: 'S-{seq:05}',
      lines: [{ part: component.code, quantity: 1 }],
    });

    worker = startProcess(
      'worker',
      processEnv(ctx, {
        ...WEBHOOKS,
        GENERATION_CHUNK_SIZE: '50',
        JOB_LOCK_MS: '2000',
        RECONCILE_INTERVAL_MS: '2000',
        RECONCILE_GRACE_MS: '1000',
      }),
    );
    const res = await ctx.api('POST', '/api/v1/builds', {
      body: { project: project.code, quantity: UNITS, trackUnits: true },
    });
    expect(res.status, res.text).toBe(201);
    const code = (res.body.build as { code: string }).code;
    const build = async () =>
      (await ctx.db('builds').where({ code }).first('status', 'units_generated')) as {
        status: string;
        units_generated: number;
      };

    await deliveriesSettled(ctx);
    await waitFor(async () => (await build()).units_generated >= 200, 'generation to begin', 60_000);
    const failover = await redis.killPrimary();
    const atKill = (await build()).units_generated;
    console.log(
      `failover ${failover.from} -> ${failover.to} in ${failover.failoverMs} ms at ${atKill} units`,
    );
    expect(atKill, 'the primary died mid-generation').toBeLessThan(UNITS);

    await waitFor(async () => (await build()).status === 'completed', 'the build to complete', 90_000).catch(
      (e) => {
        console.log(worker!.output().slice(-5000));
        throw e;
      },
    );
    const expected = (await ctx.db('events').where({ stream: `build:${code}` })) as {
      stream: string;
      sequence: number;
    }[];
    await expectEachEventDeliveredOnce(receiver, expected);
    await expectBuildEventsOnce(ctx, code);
    await expectBuildUnits(ctx, code);
    await expectLedgerBalanced(ctx);
    // Whatever the failover lost was redriven, never settled for a person.
    const actions = (await ctx.db('work_actions').select('subject', 'action', 'cause')) as {
      action: string;
    }[];
    console.log(`reconciler actions: ${JSON.stringify(actions)}`);
    expect(actions.filter((a) => a.action === 'settle')).toEqual([]);
    // The worker kept running through the failover: it was never restarted.
    expect(worker.child.exitCode).toBeNull();
  });
});
