/**
 * Work that cannot be stranded, unit generation: a tracked build's generation survives a worker
 * SIGKILLed three times in a row, a Redis restarted without persistence, and a Redis FLUSHALL — each
 * time finishing with exactly its units, the doctor finding nothing wrong and every event of the
 * build delivered once. Redis here is a private server that keeps nothing on disk (this machine's
 * own runs the same way), so a restart loses every queued job: only the database knows the work.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { waitFor } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import {
  deliveriesSettled,
  expectBuildUnits,
  expectEachEventDeliveredOnce,
  subscribedReceiver,
} from '../helpers/deliveries.ts';
import { doctor, expectDoctorClean } from '../helpers/doctor.ts';
import { kill, processEnv, startProcess, type Proc } from '../helpers/processes.ts';
import { startPrivateRedis, type PrivateRedis } from '../helpers/redis-server.ts';
import type { WebhookReceiver } from '../helpers/webhook-receiver.ts';

let redis: PrivateRedis;
let ctx: TestContext;
let receiver: WebhookReceiver;
const workers: Proc[] = [];
const FAST = {
  WEBHOOK_ALLOW_LIST: '127.0.0.1',
  WEBHOOK_RETRY_DELAYS_MS: '200,200,200,200,200',
  RECONCILE_GRACE_MS: '500',
};

const startWorker = () => {
  const proc = startProcess(
    'worker',
    processEnv(ctx, {
      ...FAST,
      JOB_LOCK_MS: '2000',
      GENERATION_CHUNK_SIZE: '500',
      RECONCILE_INTERVAL_MS: '1000',
    }),
  );
  workers.push(proc);
  return proc;
};

beforeAll(async () => {
  redis = await startPrivateRedis({ persist: false });
  ctx = await createTestContext({ env: { ...FAST, REDIS_URL: redis.url } });
  receiver = await subscribedReceiver(ctx, ['build.*', 'lots.generated']);
});
// Each case starts with no worker left from the one before: a stray worker would carry the work on.
afterEach(async () => {
  for (const w of workers.splice(0)) await kill(w);
});
afterAll(async () => {
  for (const w of workers) await kill(w);
  await receiver?.close();
  await ctx?.close();
  await redis?.close();
});

/** A tracked build of `units`, requested through the API; answers its code and id. */
async function trackedBuild(units: number, serialFormat = 'K-{seq:06}') {
  const f = factories({ uow: ctx.uow });
  const component = await f.part({ name: 'PCB blank' });
  await f.lot({ part: component.code, quantity: units });
  const project = await f.project({ serialFormat, lines: [{ part: component.code, quantity: 1 }] });
  const res = await ctx.api('POST', '/api/v1/builds', {
    body: { project: project.code, quantity: units, trackUnits: true },
  });
  expect(res.status, res.text).toBe(201);
  const code = (res.body.build as { code: string }).code;
  const id = Number((await ctx.db('builds').where({ code }).first('id')).id);
  const generated = async () =>
    Number((await ctx.db('builds').where({ id }).first('units_generated')).units_generated);
  return { code, id, generated };
}

const status = async (code: string) =>
  (await ctx.db('builds').where({ code }).first('status')).status as string;

/** The build completed exactly, its events reached the receiver once, and the doctor is content. */
async function expectFinishedExact(code: string) {
  await waitFor(async () => (await status(code)) === 'completed', `build ${code} to complete`, 120_000);
  await expectBuildUnits(ctx, code);
  const events = await ctx
    .db('events')
    .where({ stream: `build:${code}` })
    .orderBy('sequence');
  expect(events.map((e: { type: string }) => e.type)).toEqual([
    'build.started',
    'lots.generated',
    'build.completed',
  ]);
  await expectEachEventDeliveredOnce(
    receiver,
    (await ctx.db('events').where('stream', 'like', 'build:%')) as { stream: string; sequence: number }[],
  );
  await waitFor(
    async () => Object.values((await doctor(ctx)).inFlight).every((n) => n === 0),
    'nothing left in flight',
    30_000,
  );
  await expectDoctorClean(ctx);
}

describe('unit generation that cannot be stranded', () => {
  it('finishes exactly after the worker is SIGKILLed three times in a row', async () => {
    let worker = startWorker();
    const build = await trackedBuild(30_000);
    await deliveriesSettled(ctx);
    let last = 0;
    for (let kill3 = 0; kill3 < 3; kill3++) {
      const from = last;
      await waitFor(async () => (await build.generated()) >= from + 2_000, 'generation to move on', 60_000);
      await kill(worker);
      last = await build.generated();
      expect(last, 'killed mid-generation').toBeLessThan(30_000);
      worker = startWorker();
    }
    await expectFinishedExact(build.code);
  });

  it('finishes exactly when Redis restarts empty while no worker runs', async () => {
    let worker = startWorker();
    const build = await trackedBuild(12_000);
    await deliveriesSettled(ctx);
    await waitFor(async () => (await build.generated()) >= 2_000, 'generation to begin', 60_000);
    await kill(worker);
    expect(await build.generated()).toBeLessThan(12_000);
    // Every queued job is gone: the generation, and anything else in flight.
    await redis.kill();
    await redis.start();
    worker = startWorker();
    await expectFinishedExact(build.code);
    const redriven = (await doctor(ctx)).recentActions.filter(
      (a) => a.action === 'redrive' && a.subject.startsWith('build_operation:'),
    );
    expect(redriven.length, 'the reconciler handed the generation to a fresh job').toBeGreaterThan(0);
    await kill(worker, 'SIGTERM');
  });

  it('finishes exactly after FLUSHALL, with a worker stopped and with one running', async () => {
    const flush = async () => {
      const client = new Redis(redis.url);
      await client.flushall();
      client.disconnect();
    };
    let worker = startWorker();
    const build = await trackedBuild(12_000);
    await deliveriesSettled(ctx);
    await waitFor(async () => (await build.generated()) >= 2_000, 'generation to begin', 60_000);
    await kill(worker);
    await flush();
    worker = startWorker();
    await waitFor(async () => (await build.generated()) >= 6_000, 'generation to go on', 60_000);
    await flush(); // the job vanishes under the worker running it
    await expectFinishedExact(build.code);
    await kill(worker, 'SIGTERM');
  });
});
