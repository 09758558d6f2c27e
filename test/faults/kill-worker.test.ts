/**
 * A worker process is SIGKILLed in the middle of generating a 20,000-unit tracked build. A new
 * worker picks the job up (stalled-job recovery) and continues after the last committed chunk:
 * exactly 20,000 units, serials 1..20,000, no duplicates, a balanced ledger, one lots.generated,
 * and every event of the build delivered once to a webhook receiver that verifies signatures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { waitFor } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import {
  deliveriesSettled,
  expectBuildEventsOnce,
  expectEachEventDeliveredOnce,
  subscribedReceiver,
} from '../helpers/deliveries.ts';
import { expectLedgerBalanced } from '../helpers/ledger.ts';
import { kill, processEnv, startProcess, type Proc } from '../helpers/processes.ts';
import type { WebhookReceiver } from '../helpers/webhook-receiver.ts';

let ctx: TestContext;
let worker: Proc | undefined;
let receiver: WebhookReceiver;
const UNITS = 20_000;
const WEBHOOKS = { WEBHOOK_ALLOW_LIST: '127.0.0.1', WEBHOOK_RETRY_DELAYS_MS: '200,200,200,200,200' };

const workerEnv = () => processEnv(ctx, { ...WEBHOOKS, JOB_LOCK_MS: '2000', GENERATION_CHUNK_SIZE: '500' });

beforeAll(async () => {
  ctx = await createTestContext({ env: WEBHOOKS });
});
afterAll(async () => {
  if (worker) await kill(worker);
  await receiver?.close();
  await ctx?.close();
});

describe('a worker killed during unit generation', () => {
  it('leaves whole chunks, and a new worker finishes exactly the expected units', async () => {
    receiver = await subscribedReceiver(ctx, ['build.*', 'lots.generated']);
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

    // build.started delivered and recorded first: the kill is about units, not a delivery in flight.
    await deliveriesSettled(ctx);
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
    const expected = (await ctx.db('events').where({ stream: `build:${code}` })) as {
      stream: string;
      sequence: number;
    }[];
    await expectEachEventDeliveredOnce(receiver, expected);
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
    await expectLedgerBalanced(ctx);
    await expectBuildEventsOnce(ctx, code);
  });
});
