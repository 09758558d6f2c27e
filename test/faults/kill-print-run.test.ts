/**
 * A worker process is SIGKILLed in the middle of printing a 200-unit build on a (slow) fake Zebra.
 * The batch it was sending is left open; the next worker settles it from the printer's label
 * counter — what the printer printed is confirmed, what it never got is sent again — and goes on.
 * The fake's log is the proof: every unit's label printed exactly once, in serial order; the run
 * is done with one labels.printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { settledBuild, startBackground, waitFor } from '../helpers/background.ts';
import { makeKit } from '../helpers/builds.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { FakeZplPrinter } from '../helpers/fake-zpl-printer.ts';
import { kill, processEnv, startProcess, type Proc } from '../helpers/processes.ts';

const UNITS = 200;
let ctx: TestContext;
let worker: Proc | undefined;
let printer: FakeZplPrinter;

const workerEnv = () =>
  processEnv(ctx, {
    JOB_LOCK_MS: '2000',
    PRINT_LEASE_MS: '2000',
    RECONCILE_INTERVAL_MS: '1000',
    RECONCILE_GRACE_MS: '0',
  });

beforeAll(async () => {
  // The in-process workers share the queue's stall check with the worker processes: BullMQ runs it at
  // most once per stalledInterval across all of them, so they check as often (JOB_LOCK_MS) as those do.
  ctx = await createTestContext({ env: { JOB_LOCK_MS: '2000' } });
  printer = await FakeZplPrinter.start({ speed: 15 });
});
afterAll(async () => {
  if (worker) await kill(worker);
  await printer?.close();
  await ctx?.close();
});

describe('a worker killed while printing', () => {
  it('prints every label exactly once: the next worker settles the open batch from the printer', async () => {
    const kit = await makeKit(factories({ uow: ctx.uow }), {
      rLots: [{ quantity: 2 * UNITS }],
      uStock: UNITS,
    });
    const bg = await startBackground(ctx);
    const res = await ctx.api('POST', '/api/v1/builds', {
      body: { project: kit.project, quantity: UNITS, trackUnits: true },
    });
    const code = (res.body.build as { code: string }).code;
    await settledBuild(ctx, code, (b) => b.status === 'completed');
    await bg.stop();
    const added = await ctx.api('POST', '/api/v1/printers', {
      body: { name: 'Zebra line 1', driver: 'zpl', address: printer.address, template: 'zebra-2x1in' },
    });
    expect(added.status, added.text).toBe(201);

    worker = startProcess('worker', workerEnv());
    const requested = await ctx.api('POST', '/api/v1/labels', {
      body: { build: code, printer: 'Zebra line 1' },
    });
    expect(requested.status, requested.text).toBe(202);
    const id = requested.body.id as number;
    // Killed while a batch is on its way: some labels printed, the batch not yet confirmed.
    await waitFor(async () => printer.printed().length >= 70, 'printing to be under way', 60_000);
    await kill(worker);
    const open = await ctx.db('label_prints').where({ run_id: id, status: 'sent' }).count('* as n');
    expect(Number(open[0]!.n)).toBeGreaterThan(0);

    worker = startProcess('worker', workerEnv());
    const done = await waitFor(
      async () => {
        const row = await ctx.db('label_runs').where({ id }).first();
        return row.status === 'done' ? row : undefined;
      },
      'the run to finish',
      120_000,
    );
    expect(done).toMatchObject({ printed: UNITS });
    const units = (await ctx
      .db('lots')
      .where({ build_id: ctx.db('builds').select('id').where({ code }) })
      .orderBy('serial')
      .pluck('code')) as string[];
    expect(printer.printed().map((l) => l.data)).toEqual(units.map((u) => `${ctx.config.publicUrl}/id/${u}`));
    expect(await ctx.db('events').where({ type: 'labels.printed' })).toHaveLength(1);
    expect(await ctx.db('label_prints').where({ run_id: id }).whereNot({ status: 'confirmed' })).toHaveLength(
      0,
    );
    await kill(worker, 'SIGTERM');
  });
});
