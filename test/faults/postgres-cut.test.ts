/**
 * PostgreSQL drops every connection of the application (pg_terminate_backend, three times) while a
 * tracked build generates its units and another build starts. Pools reconnect, jobs retry, the relay
 * keeps going: exactly the expected units, unique serials, a balanced ledger, each event delivered
 * once to the webhook receiver.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { settledBuild, startBackground, waitFor, type Background } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { TEST_DATABASE_URL } from '../helpers/env.ts';
import { type WebhookReceiver } from '../helpers/webhook-receiver.ts';
import {
  expectEachEventDeliveredOnce,
  expectLedgerBalanced,
  subscribedReceiver,
} from '../helpers/deliveries.ts';

let ctx: TestContext;
let bg: Background;
let receiver: WebhookReceiver;

beforeAll(async () => {
  ctx = await createTestContext({
    env: {
      GENERATION_CHUNK_SIZE: '250',
      WEBHOOK_ALLOW_LIST: '127.0.0.1',
      WEBHOOK_RETRY_DELAYS_MS: '200,200,200,200,200,200,200',
    },
  });
  bg = await startBackground(ctx);
});
afterAll(async () => {
  await bg?.stop();
  await receiver?.close();
  await ctx?.close();
});

async function cutConnections(database: string): Promise<number> {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    const result = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database],
    );
    return result.rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

describe('PostgreSQL connections cut mid-run', () => {
  it('loses nothing and duplicates nothing', async () => {
    receiver = await subscribedReceiver(ctx, ['build.*', 'lots.generated']);

    const f = factories({ uow: ctx.uow });
    const part = await f.part();
    await f.lot({ part: part.code, quantity: 20_000 });
    const project = await f.project({
      serialFormat: 'PG-{seq:05}',
      lines: [{ part: part.code, quantity: 1 }],
    });
    const big = await ctx.api('POST', '/api/v1/builds', {
      body: { project: project.code, quantity: 8_000, trackUnits: true },
    });
    const code = (big.body.build as { code: string }).code;
    const buildId = (await ctx.db('builds').where({ code }).first('id')).id as number;
    const generated = async () =>
      (await ctx.db('builds').where({ id: buildId }).first('units_generated')).units_generated as number;

    let cuts = 0;
    for (let i = 0; i < 3; i++) {
      await waitFor(
        async () => (await generated()) >= (i + 1) * 1_000,
        `generation past ${(i + 1) * 1000}`,
        60_000,
      ).catch(() => undefined);
      cuts += await cutConnections(ctx.databaseName);
    }
    expect(cuts).toBeGreaterThan(0);
    const small = await ctx.api('POST', '/api/v1/builds', { body: { project: project.code, quantity: 5 } });
    expect(small.status).toBe(201);

    await settledBuild(ctx, code, (b) => b.status === 'completed');
    await settledBuild(ctx, (small.body.build as { code: string }).code, (b) => b.status === 'completed');

    const stats = (
      await ctx.db.raw<{ rows: { n: number; serials: number; labels: number; max: number }[] }>(
        'SELECT count(*)::int AS n, count(DISTINCT serial)::int AS serials, count(DISTINCT serial_label)::int AS labels, max(serial) AS max FROM lots WHERE build_id = ?',
        [buildId],
      )
    ).rows[0]!;
    expect(stats).toEqual({ n: 8_000, serials: 8_000, labels: 8_000, max: 8_000 });
    await expectLedgerBalanced(ctx);

    const expected = (await ctx.db('events').where('stream', 'like', 'build:%')) as {
      stream: string;
      sequence: number;
    }[];
    await expectEachEventDeliveredOnce(receiver, expected);
  });
});
