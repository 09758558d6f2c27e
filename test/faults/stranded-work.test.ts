/**
 * Work that cannot be stranded, everything but unit generation under process faults (see
 * stranded-generation.test.ts and postgres-down.test.ts): a job removed from the queue behind the
 * app's back, a project's serial format changed and changed back, ten builds racing for stock for
 * five, a generation chunk that always fails (blocked, then retried or cancelled), a cancel while a
 * build is stopped mid-generation, and SQL that tries to change a lot's quantity behind the stock
 * door. After each, the build finished exactly or was settled with its reason, and the doctor finds
 * nothing wrong.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { relayOnce, waitFor } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { expectBuildUnits } from '../helpers/deliveries.ts';
import { expectLedgerBalanced } from '../helpers/ledger.ts';
import { doctor, expectDoctorClean } from '../helpers/doctor.ts';
import { kill, processEnv, startProcess, type Proc } from '../helpers/processes.ts';

let ctx: TestContext;
let worker: Proc | undefined;
const ENV = { RECONCILE_GRACE_MS: '500' };

const startWorker = (extra: Record<string, string> = {}) => {
  worker = startProcess(
    'worker',
    processEnv(ctx, {
      ...ENV,
      JOB_LOCK_MS: '2000',
      RECONCILE_INTERVAL_MS: '1000',
      GENERATION_CHUNK_SIZE: '50',
      ...extra,
    }),
  );
  return worker;
};
const stopWorker = async () => {
  if (worker) await kill(worker, 'SIGTERM');
  worker = undefined;
};

beforeAll(async () => {
  ctx = await createTestContext({ env: ENV });
});
afterEach(stopWorker);
afterAll(async () => {
  await stopWorker();
  await ctx?.close();
});

const f = () => factories({ uow: ctx.uow });
const build = async (code: string) =>
  (await ctx.api('GET', `/api/v1/builds/${code}`)).body as Record<string, unknown> & {
    status: string;
    progress: { generated: number };
    blocked: { reason: string } | null;
  };
const settled = (code: string, test: (b: Awaited<ReturnType<typeof build>>) => boolean, what: string) =>
  waitFor(
    async () => {
      const b = await build(code);
      return test(b) ? b : undefined;
    },
    what,
    90_000,
  );

async function oneLineProject(quantity: number, extra: Record<string, unknown> = {}) {
  const component = await f().part({ name: 'Component' });
  await f().lot({ part: component.code, quantity });
  return f().project({ lines: [{ part: component.code, quantity: 1 }], ...extra });
}

describe('work that cannot be stranded', () => {
  it('redrives a start whose job was removed from the queue behind its back', async () => {
    const project = await oneLineProject(100);
    const res = await ctx.api('POST', '/api/v1/builds', {
      body: { project: project.code, quantity: 40, trackUnits: true },
    });
    expect(res.status, res.text).toBe(201);
    const { build: b, operation } = res.body as { build: { code: string }; operation: { id: number } };
    // Handed to the queue, then removed there, before any worker saw it.
    await relayOnce(ctx);
    const job = await ctx.queues.getJob('builds', `build-op-${operation.id}`);
    expect(job, 'the start was handed to the queue').toBeDefined();
    await job!.remove();
    expect(await ctx.queues.getJob('builds', `build-op-${operation.id}`)).toBeUndefined();

    startWorker();
    await settled(b.code, (x) => x.status === 'completed', 'the build to complete');
    await expectBuildUnits(ctx, b.code);
    const actions = (await doctor(ctx)).recentActions;
    expect(actions).toContainEqual(
      expect.objectContaining({
        subject: `build_operation:${operation.id}`,
        action: 'redrive',
        cause: 'missing',
      }),
    );
    await expectDoctorClean(ctx);
  });

  it('never reuses a formatted serial when a serial format is changed and changed back', async () => {
    const project = await oneLineProject(1_000, { serialFormat: 'X{seq}' });
    startWorker();
    const tracked = async (quantity: number) => {
      const res = await ctx.api('POST', '/api/v1/builds', {
        body: { project: project.code, quantity, trackUnits: true },
      });
      expect(res.status, res.text).toBe(201);
      const code = (res.body.build as { code: string }).code;
      await settled(code, (x) => x.status === 'completed', `build ${code} to complete`);
      return code;
    };
    const patch = async (serialFormat: string) =>
      expect(
        (await ctx.api('PATCH', `/api/v1/projects/${project.code}`, { body: { serialFormat } })).status,
      ).toBe(200);
    await tracked(10); // X1 … X10
    await patch('X1{seq}');
    await tracked(10); // X111 … X120
    await patch('X{seq}');
    // The next block (X21 … X120) would print X111 … X120 again: it is skipped, before anything runs.
    const third = await tracked(100);
    const labels = (await ctx
      .db('lots as l')
      .join('builds as b', 'b.id', 'l.build_id')
      .where('b.code', third)
      .orderBy('l.serial')
      .pluck('l.serial_label')) as string[];
    expect(labels[0]).toBe('X121');
    expect(labels.at(-1)).toBe('X220');
    const all = (await ctx.db('lots').whereNotNull('serial_label').pluck('serial_label')) as string[];
    expect(new Set(all).size).toBe(all.length);
    await expectDoctorClean(ctx);
  });

  it('answers ten concurrent builds over stock for five with exactly five 201 and five 422', async () => {
    const component = await f().part({ name: 'Scarce MCU' });
    await f().lot({ part: component.code, quantity: 30 });
    await f().lot({ part: component.code, quantity: 20 });
    const project = await f().project({ lines: [{ part: component.code, quantity: 2 }] });
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        ctx.api('POST', '/api/v1/builds', { body: { project: project.code, quantity: 5, trackUnits: true } }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([201, 201, 201, 201, 201, 422, 422, 422, 422, 422]);
    for (const refused of answers.filter((a) => a.status === 422))
      expect(refused.body.shortages).toEqual([
        { part: component.code, partName: 'Scarce MCU', needed: 10, available: 0 },
      ]);
    // A 201 means the stock is the build's: every one of them starts and completes.
    startWorker();
    for (const accepted of answers.filter((a) => a.status === 201)) {
      const code = (accepted.body.build as { code: string }).code;
      await settled(code, (x) => x.status === 'completed', `build ${code} to complete`);
      await expectBuildUnits(ctx, code);
    }
    const partId = (await ctx.db('parts').where({ code: component.code }).first('id')).id as number;
    const left = (await ctx.db('lots').where({ part_id: partId }).sum('quantity as q')) as { q: string }[];
    expect(Number(left[0]!.q), 'all fifty taken by the five accepted builds').toBe(0);
    await expectDoctorClean(ctx);
  });

  it('blocks a build whose generation always fails, with the reason; a retry finishes it, a cancel returns exactly what was not used', async () => {
    const module = await f().part({ name: 'Module', kind: 'subassembly' });
    const component = await f().part({ name: 'Board' });
    await f().lot({ part: component.code, quantity: 1_000 });
    const moduleProject = await f().project({
      produces: module.code,
      lines: [{ part: component.code, quantity: 1 }],
    });
    startWorker();
    const modules = (
      await ctx.api('POST', '/api/v1/builds', {
        body: { project: moduleProject.code, quantity: 400, trackUnits: true },
      })
    ).body.build as { code: string };
    await settled(modules.code, (x) => x.status === 'completed', 'the modules');
    const product = await f().project({
      lines: [
        { part: component.code, quantity: 1 },
        { part: module.code, quantity: 1 },
      ],
    });
    // A fault planted in the database: any unit of these builds past serial 150 is refused.
    await ctx.db.raw(`
      CREATE FUNCTION planted_fault() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'planted fault: unit % refused', NEW.serial; END $$;
      CREATE TRIGGER planted_fault BEFORE INSERT ON lots FOR EACH ROW
        WHEN (NEW.serial > 150 AND NEW.part_id = ${(await ctx.db('parts').where({ code: product.producesPartCode }).first('id')).id})
        EXECUTE FUNCTION planted_fault();`);
    const start = async () => {
      const res = await ctx.api('POST', '/api/v1/builds', {
        body: { project: product.code, quantity: 200, trackUnits: true },
      });
      expect(res.status, res.text).toBe(201);
      return (res.body.build as { code: string }).code;
    };
    const [retried, cancelled] = [await start(), await start()];
    for (const code of [retried, cancelled]) {
      const blocked = await settled(code, (x) => x.status === 'blocked', `build ${code} to be blocked`);
      expect(blocked.blocked!.reason).toMatch(/planted fault: unit 151 refused/);
      expect(blocked.progress.generated).toBe(150);
    }
    const failedEvents = await ctx.db('events').where({ type: 'build.operation_failed' }).pluck('data');
    expect(failedEvents).toHaveLength(2);
    expect(failedEvents[0]).toMatchObject({ operation: 'generate', status: 'blocked', generated: 150 });
    // A blocked build is not stranded work: it waits for a person, and says so.
    const report = await expectDoctorClean(ctx);
    expect(report.awaitingAction.map((a) => a.subject)).toEqual(
      expect.arrayContaining([`build:${retried}`, `build:${cancelled}`]),
    );
    await ctx.db.raw('DROP TRIGGER planted_fault ON lots; DROP FUNCTION planted_fault();');

    expect((await ctx.api('POST', `/api/v1/builds/${retried}/retry`, { body: {} })).status).toBe(202);
    await settled(retried, (x) => x.status === 'completed', 'the retried build to complete');
    await expectBuildUnits(ctx, retried);

    const cancel = await ctx.api('POST', `/api/v1/builds/${cancelled}/cancel`, {
      body: { reason: 'gave up' },
    });
    expect(cancel.status, cancel.text).toBe(202);
    const after = await settled(cancelled, (x) => x.status === 'cancelled', 'the cancel');
    expect(after.progress).toMatchObject({ generated: 150, completed: 150 });
    const consumption = (await ctx.api('GET', `/api/v1/builds/${cancelled}/consumption`)).body.items as {
      partCode: string;
      quantity: number;
      returned: number;
    }[];
    // The 150 devices made keep their board and module; the 50 never made give theirs back.
    const byPart = (code: string) =>
      consumption
        .filter((c) => c.partCode === code)
        .reduce((s, c) => ({ q: s.q + c.quantity, r: s.r + c.returned }), { q: 0, r: 0 });
    expect(byPart(component.code)).toEqual({ q: 200, r: 50 });
    expect(byPart(module.code)).toEqual({ q: 200, r: 50 });
    expect(
      Number(
        (
          await ctx
            .db('lots')
            .where({
              part_id: (await ctx.db('parts').where({ code: module.code }).first('id')).id,
              status: 'available',
              quantity: 1,
            })
            .count<{ n: number }[]>('* as n')
        )[0]!.n,
      ),
    ).toBe(400 - 200 - 200 + 50); // the retried build kept all 200; the cancelled one gave 50 back
    await expectLedgerBalanced(ctx);
    await expectDoctorClean(ctx);
  });

  it('cancels a build stopped mid-generation, giving back exactly the components of the units not made', async () => {
    const project = await oneLineProject(3_000);
    startWorker({ GENERATION_CHUNK_SIZE: '100' });
    const res = await ctx.api('POST', '/api/v1/builds', {
      body: { project: project.code, quantity: 3_000, trackUnits: true },
    });
    const code = (res.body.build as { code: string }).code;
    await settled(code, (x) => x.progress.generated >= 300, 'generation to begin');
    await kill(worker!); // stopped mid-generation, nobody carrying it on
    worker = undefined;
    const cancel = await ctx.api('POST', `/api/v1/builds/${code}/cancel`, {
      body: { reason: 'line stopped' },
    });
    expect(cancel.status, cancel.text).toBe(202);
    startWorker({ GENERATION_CHUNK_SIZE: '100' });
    const after = await settled(code, (x) => x.status === 'cancelled', 'the cancel');
    const made = after.progress.generated;
    expect(made).toBeGreaterThanOrEqual(300);
    expect(made).toBeLessThan(3_000);
    const [consumed] = (await ctx.api('GET', `/api/v1/builds/${code}/consumption`)).body.items as {
      quantity: number;
      returned: number;
    }[];
    expect(consumed).toMatchObject({ quantity: 3_000, returned: 3_000 - made });
    const units = await ctx
      .db('lots')
      .where({ build_id: (await ctx.db('builds').where({ code }).first('id')).id });
    expect(units).toHaveLength(made);
    expect(
      units.every((u: { status: string; quantity: number }) => u.status === 'available' && u.quantity === 1),
    ).toBe(true);
    const ops = (await ctx
      .db('build_operations')
      .where({ kind: 'generate' })
      .whereIn('build_id', ctx.db('builds').select('id').where({ code }))) as {
      status: string;
      error: string;
    }[];
    expect(ops).toEqual([
      expect.objectContaining({ status: 'failed', error: expect.stringMatching(/cancelled/) }),
    ]);
    await expectDoctorClean(ctx);
  });

  it('refuses a quantity changed outside the stock door, whatever the SQL', async () => {
    const lot = await f().lot({ quantity: 10 });
    await expect(ctx.db.raw('UPDATE lots SET quantity = 11 WHERE code = ?', [lot.code])).rejects.toThrow(
      /quantity changes only through stock_ledger/,
    );
    expect((await ctx.db('lots').where({ code: lot.code }).first('quantity')).quantity).toBe(10);
    await expectDoctorClean(ctx);
  });
});
