/**
 * A worker process is SIGKILLed in the middle of generating a 20,000-unit tracked build. A new
 * worker picks the job up (stalled-job recovery) and continues after the last committed chunk:
 * exactly 20,000 units, serials 1..20,000, no duplicates, a balanced ledger, one lots.generated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { waitFor } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { TEST_REDIS_URL } from '../helpers/env.ts';
import { kill, startProcess, type Proc } from '../helpers/processes.ts';

let ctx: TestContext;
let worker: Proc | undefined;
const UNITS = 20_000;

const workerEnv = () => ({
  DATABASE_URL: ctx.databaseUrl,
  REDIS_URL: TEST_REDIS_URL,
  QUEUE_PREFIX: ctx.queuePrefix,
  STORAGE_DIR: ctx.config.storageDir,
  JOB_LOCK_MS: '2000',
  GENERATION_CHUNK_SIZE: '500',
});

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  if (worker) await kill(worker);
  await ctx?.close();
});

describe('a worker killed during unit generation', () => {
  it('leaves whole chunks, and a new worker finishes exactly the expected units', async () => {
    const f = factories({ uow: ctx.uow });
    const component = await f.part({ name: 'PCB blank' });
    await f.lot({ part: component.code, quantity: UNITS });
    const project = await f.project({
      serialFormat: 'K-{seq:06}',
      lines: [{ part: component.code, quantity: 1 }],
    });

    worker = startProcess('worker', workerEnv());
    const res = await ctx.api('POST', '/api/v1/builds', {
      body: { project: project.code, quantity: UNITS, trackUnits: true },
    });
    expect(res.status, res.text).toBe(201);
    const code = (res.body.build as { code: string }).code;
    const buildId = (await ctx.db('builds').where({ code }).first('id')).id as number;
    const generated = async () =>
      (await ctx.db('builds').where({ id: buildId }).first('units_generated')).units_generated as number;

    await waitFor(async () => (await generated()) >= 1_000, 'generation to begin', 60_000);
    await kill(worker);
    const atKill = await generated();
    expect(atKill, 'killed mid-generation').toBeLessThan(UNITS);
    // Chunks are atomic: what is counted is exactly what exists.
    expect(
      Number((await ctx.db('lots').where({ build_id: buildId }).count<{ n: number }[]>('* as n'))[0]!.n),
    ).toBe(atKill);

    worker = startProcess('worker', workerEnv());
    await waitFor(
      async () => (await ctx.db('builds').where({ id: buildId }).first('status')).status === 'completed',
      'the build to complete',
      120_000,
    );
    await kill(worker, 'SIGTERM');

    const stats = (
      await ctx.db.raw<{
        rows: { n: number; distinct_serials: number; min: number; max: number; labels: number }[];
      }>(
        `SELECT count(*)::int AS n, count(DISTINCT serial)::int AS distinct_serials, min(serial) AS min, max(serial) AS max,
              count(DISTINCT serial_label)::int AS labels FROM lots WHERE build_id = ?`,
        [buildId],
      )
    ).rows[0]!;
    expect(stats).toEqual({ n: UNITS, distinct_serials: UNITS, min: 1, max: UNITS, labels: UNITS });
    const unbalanced = await ctx.db.raw<{ rows: unknown[] }>(
      `SELECT l.id FROM lots l LEFT JOIN stock_ledger s ON s.lot_id = l.id GROUP BY l.id HAVING l.quantity <> coalesce(sum(s.delta), 0)`,
    );
    expect(unbalanced.rows).toEqual([]);
    const events = await ctx
      .db('events')
      .where({ stream: `build:${code}` })
      .orderBy('sequence')
      .pluck('type');
    expect(events).toEqual(['build.started', 'lots.generated', 'build.completed']);
  });
});
