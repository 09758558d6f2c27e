/**
 * Many processes, one truth (#19): two web processes and three workers (as a process manager starts
 * them) on one PostgreSQL and one Redis. Ten clients, each with its own API token, request a tracked
 * build of 20,000 units at once through either web process, all drawing on one reel; one worker is
 * SIGKILLed mid-way. Every build ends exact — 20,000 units with serials 1..20,000 once each, the
 * reel's ledger balanced, one build.started, one lots.generated and one build.completed each — and a
 * token's API rate limit is one budget across both web processes. Sizes from MANY_BUILDS and
 * MANY_UNITS (default 10 × 20,000, as the issue asks).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute } from '../../src/commands/define.ts';
import { createToken } from '../../src/commands/tokens.ts';
import { SYSTEM_ACTOR } from '../../src/domain/roles.ts';
import { factories } from '../factories.ts';
import { waitFor } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { expectBuildEventsOnce, expectBuildUnits } from '../helpers/deliveries.ts';
import { expectLedgerBalanced } from '../helpers/ledger.ts';
import { freePort } from '../helpers/ports.ts';
import { kill, processEnv, startProcess, waitForOutput, type Proc } from '../helpers/processes.ts';

const BUILDS = Number(process.env.MANY_BUILDS ?? 10);
const UNITS = Number(process.env.MANY_UNITS ?? 20_000);
const LIMIT = 40;

let ctx: TestContext;
const webs: { proc: Proc; url: string }[] = [];
const workers: Proc[] = [];

beforeAll(async () => {
  ctx = await createTestContext();
  const env = processEnv(ctx, {
    RATE_LIMIT_PER_MINUTE: String(LIMIT),
    // A killed worker's job is taken over within seconds, not the default half-minute.
    JOB_LOCK_MS: '3000',
  });
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    const proc = startProcess('web', { ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    webs.push({ proc, url: `http://127.0.0.1:${port}` });
  }
  for (let i = 0; i < 3; i++) workers.push(startProcess('worker', env));
  await Promise.all(webs.map((w) => waitForOutput(w.proc, 'web listening')));
}, 120_000);

afterAll(async () => {
  for (const p of [...workers, ...webs.map((w) => w.proc)]) await kill(p);
  await ctx?.close();
});

describe('two web processes and three workers', () => {
  it(`make ${BUILDS} concurrent tracked builds of ${UNITS} units exact, a worker killed mid-way`, async () => {
    const f = factories({ uow: ctx.uow });
    const blank = await f.part({ name: 'PCB blank' });
    const reel = await f.lot({ part: blank.code, quantity: BUILDS * UNITS });
    const project = await f.project({
      serialFormat: 'MP-{seq:07}',
      lines: [{ part: blank.code, quantity: 1 }],
    });
    const clients = await Promise.all(
      Array.from({ length: BUILDS }, (_, i) =>
        execute({ uow: ctx.uow }, createToken, SYSTEM_ACTOR, { name: `client-${i}`, role: 'operator' }),
      ),
    );

    // All at once, each client through one of the two web processes.
    const t0 = performance.now();
    const answers = await Promise.all(
      clients.map(async ({ token }, i) => {
        const res = await fetch(`${webs[i % 2]!.url}/api/v1/builds`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ project: project.code, quantity: UNITS, trackUnits: true }),
        });
        return { status: res.status, body: (await res.json()) as { build?: { code: string } } };
      }),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(BUILDS).fill(201));
    const codes = answers.map((a) => a.body.build!.code);

    const generated = async () =>
      Number(
        (await ctx.db('builds').whereIn('code', codes).sum<{ n: string }[]>('units_generated as n'))[0]!.n ??
          0,
      );
    await waitFor(async () => (await generated()) >= (BUILDS * UNITS) / 4, 'a quarter of the units', 240_000);
    await kill(workers[0]!);
    const atKill = await generated();
    expect(atKill, 'killed mid-way').toBeLessThan(BUILDS * UNITS);

    await waitFor(
      async () =>
        Number(
          (
            await ctx
              .db('builds')
              .whereIn('code', codes)
              .where({ status: 'completed' })
              .count<{ n: string }[]>('* as n')
          )[0]!.n,
        ) === BUILDS,
      'every build to complete',
      600_000,
    );
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `${BUILDS} builds × ${UNITS} units: requested → all completed in ${seconds.toFixed(1)} s ` +
        `(${Math.round((BUILDS * UNITS) / seconds)} units/s), one of 3 workers SIGKILLed at ${atKill} units`,
    );

    for (const code of codes) await expectBuildUnits(ctx, code);
    // The formatted serials come from one counter per part: no two builds share one.
    const labels = Number(
      (
        await ctx
          .db('lots as l')
          .join('builds as b', 'b.id', 'l.build_id')
          .whereIn('b.code', codes)
          .countDistinct<{ n: string }[]>('l.serial_label as n')
      )[0]!.n,
    );
    expect(labels).toBe(BUILDS * UNITS);
    expect((await ctx.db('lots').where({ code: reel.code }).first('quantity')).quantity).toBe(0);
    await expectLedgerBalanced(ctx);
    for (const code of codes) await expectBuildEventsOnce(ctx, code);
  }, 900_000);

  it("holds a token's rate limit across both web processes", async () => {
    const { token } = await execute({ uow: ctx.uow }, createToken, SYSTEM_ACTOR, {
      name: 'poller',
      role: 'viewer',
    });
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) {
      const res = await fetch(`${webs[i % 2]!.url}/api/v1/parts`, {
        headers: { authorization: `Bearer ${token}` },
      });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(200), 429]);
  });
});
