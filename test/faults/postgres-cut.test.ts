/**
 * PostgreSQL drops every connection of the application (pg_terminate_backend, three times) while a
 * tracked build generates its units — each cut lands mid-generation — and another build starts
 * afterwards. Pools reconnect, jobs retry, the relay keeps going: exactly the expected units, unique
 * serials, a balanced ledger, each event delivered once to the webhook receiver.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { settledBuild, startBackground, waitFor, type Background } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { TEST_DATABASE_URL } from '../helpers/env.ts';
import { type WebhookReceiver } from '../helpers/webhook-receiver.ts';
import {
  deliveriesSettled,
  expectBuildUnits,
  expectEachEventDeliveredOnce,
  subscribedReceiver,
} from '../helpers/deliveries.ts';
import { expectLedgerBalanced } from '../helpers/ledger.ts';

let ctx: TestContext;
let bg: Background;
let receiver: WebhookReceiver;
const UNITS = 20_000;

beforeAll(async () => {
  ctx = await createTestContext({
    env: {
      // Many small chunks: the generation outlasts the three cuts by far.
      GENERATION_CHUNK_SIZE: '100',
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
    await f.lot({ part: part.code, quantity: UNITS + 5 });
    const project = await f.project({
      serialFormat: 'PG-{seq:05}',
      lines: [{ part: part.code, quantity: 1 }],
    });
    const big = await ctx.api('POST', '/api/v1/builds', {
      body: { project: project.code, quantity: UNITS, trackUnits: true },
    });
    const code = (big.body.build as { code: string }).code;
    const generated = async (): Promise<number | undefined> => {
      try {
        return (await ctx.db('builds').where({ code }).first('units_generated')).units_generated as number;
      } catch {
        return undefined; // the test's own connections are cut too: the probe just tries again
      }
    };
    // build.started is delivered first: a cut while a delivery is being recorded would resend it.
    await deliveriesSettled(ctx);

    const atCut: number[] = [];
    let cuts = 0;
    let last = (await generated()) ?? 0;
    for (let i = 0; i < 3; i++) {
      const target = last + 1_000;
      last = await waitFor(
        async () => {
          const n = await generated();
          return n !== undefined && (n >= target || n === UNITS) ? n : undefined;
        },
        `generation past ${target}`,
        60_000,
      );
      atCut.push(last);
      cuts += await cutConnections(ctx.databaseName);
      // The web side's pooled connections were cut too: the next requests run on fresh ones (a
      // transaction that lost its connection before COMMIT runs again), never a 500.
      const read = await ctx.api('GET', `/api/v1/builds/${code}`);
      expect(read.status, read.text).toBe(200);
    }
    expect(cuts).toBeGreaterThan(0);
    // Every cut hit a generation under way, not one that had already finished.
    for (const n of atCut) {
      expect(n, `units generated at the cuts ${atCut.join(', ')}`).toBeGreaterThan(0);
      expect(n, `units generated at the cuts ${atCut.join(', ')}`).toBeLessThan(UNITS);
    }
    const small = await ctx.api('POST', '/api/v1/builds', { body: { project: project.code, quantity: 5 } });
    expect(small.status).toBe(201);
    const smallCode = (small.body.build as { code: string }).code;

    await settledBuild(ctx, code, (b) => b.status === 'completed');
    await settledBuild(ctx, smallCode, (b) => b.status === 'completed');
    await expectBuildUnits(ctx, code);
    await expectBuildUnits(ctx, smallCode);
    await expectLedgerBalanced(ctx);

    const expected = (await ctx.db('events').where('stream', 'like', 'build:%')) as {
      stream: string;
      sequence: number;
    }[];
    await expectEachEventDeliveredOnce(receiver, expected);
  });
});
