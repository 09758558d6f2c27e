/**
 * Work that cannot be stranded, the database away: a build's start is handed to the queue, then
 * PostgreSQL (a private server, so no other test notices) stays down for longer than the job's whole
 * retry schedule. The job fails for good, and its subject cannot be settled while the database is
 * down — so nothing but the database remembers the build is starting. Once PostgreSQL is back, the
 * reconciler finds the start without a live job and hands it to a fresh one: the build finishes
 * exactly, and the doctor finds nothing wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { relayOnce, waitFor } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { expectBuildUnits } from '../helpers/deliveries.ts';
import { doctor, expectDoctorClean } from '../helpers/doctor.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/postgres-server.ts';
import { kill, processEnv, startProcess, type Proc } from '../helpers/processes.ts';

let pgServer: PrivatePostgres;
let ctx: TestContext;
let worker: Proc | undefined;
// A short retry schedule (4 attempts, 0.2 s, 0.4 s, 0.8 s apart), so "longer than all of it" is short.
const RETRIES = { JOB_ATTEMPTS: '4', JOB_BACKOFF_MS: '200', RECONCILE_GRACE_MS: '500' };

beforeAll(async () => {
  pgServer = await startPrivatePostgres();
  ctx = await createTestContext({ databaseUrl: pgServer.url, env: RETRIES });
});
afterAll(async () => {
  if (worker) await kill(worker);
  await ctx?.close();
  await pgServer?.close();
});

/** A read that waits out connections the restart broke. */
const tolerant =
  <T>(probe: () => Promise<T>) =>
  async () => {
    try {
      return await probe();
    } catch {
      return undefined;
    }
  };

describe('PostgreSQL down longer than the retry schedule', () => {
  it('finishes the build once the database is back, the reconciler redriving its start', async () => {
    const f = factories({ uow: ctx.uow });
    const component = await f.part();
    await f.lot({ part: component.code, quantity: 500 });
    const project = await f.project({
      serialFormat: 'PG-{seq:04}',
      lines: [{ part: component.code, quantity: 1 }],
    });
    const res = await ctx.api('POST', '/api/v1/builds', {
      body: { project: project.code, quantity: 500, trackUnits: true },
    });
    expect(res.status, res.text).toBe(201);
    const code = (res.body.build as { code: string }).code;
    const operation = (res.body.operation as { id: number }).id;
    const jobId = `build-op-${operation}`;

    // The start is handed over; then the database goes.
    await relayOnce(ctx);
    expect(await ctx.queues.getJob('builds', jobId)).toBeDefined();
    await pgServer.stop();

    worker = startProcess(
      'worker',
      processEnv(ctx, { ...RETRIES, RECONCILE_INTERVAL_MS: '1000', JOB_LOCK_MS: '2000' }),
    );
    await waitFor(
      async () => (await (await ctx.queues.getJob('builds', jobId))?.getState()) === 'failed',
      'the start to fail for good',
      60_000,
    );
    const failed = await ctx.queues.getJob('builds', jobId);
    expect(failed!.attemptsMade).toBe(4);
    // Down for longer than the schedule took.
    await new Promise((r) => setTimeout(r, 2_000));
    await pgServer.start();

    await waitFor(
      tolerant(async () => (await ctx.db('builds').where({ code }).first('status')).status === 'completed'),
      'the build to complete after the database came back',
      90_000,
    );
    await expectBuildUnits(ctx, code);
    const actions = (await doctor(ctx)).recentActions;
    expect(actions).toContainEqual(
      expect.objectContaining({
        subject: `build_operation:${operation}`,
        action: 'redrive',
        cause: 'failed',
      }),
    );
    await waitFor(
      tolerant(async () => Object.values((await doctor(ctx)).inFlight).every((n) => n === 0)),
      'nothing left in flight',
      30_000,
    );
    await expectDoctorClean(ctx);
  });
});
