/**
 * The fast forward trace (whole builds where possible, single lots where not) must reach exactly the
 * lots, at exactly the depths, that the reference walk over the `trace_edges` view reaches — from
 * every lot of a varied history: tracked and untracked builds, named pairing, a build consuming only
 * part of another's units, a cancel that gave components back, and repairs that swapped a component
 * lot and a sub-assembly unit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardReach } from '../../src/db/repositories/forward-trace.ts';
import { traceRepository } from '../../src/db/repositories/trace.ts';
import { referenceForwardReach } from '../helpers/reference-trace.ts';
import { factories } from '../factories.ts';
import { settledBuild, startBackground, type Background } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';

let ctx: TestContext;
let bg: Background;

beforeAll(async () => {
  ctx = await createTestContext();
  bg = await startBackground(ctx);
});
afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
});

async function expand(lotId: number): Promise<Map<number, number>> {
  const reach = await forwardReach(ctx.db, lotId);
  const out = new Map<number, number>();
  for (const [buildId, depth] of reach.builds) {
    for (const id of (await ctx.db('lots').where({ build_id: buildId }).pluck('id')) as number[]) {
      out.set(Number(id), Math.min(out.get(Number(id)) ?? depth, depth));
    }
  }
  for (const [id, depth] of reach.lots) out.set(id, Math.min(out.get(id) ?? depth, depth));
  return out;
}

describe('forward trace equivalence', () => {
  it('reaches the same lots at the same depths as the reference walk, from every lot', async () => {
    const f = factories({ uow: ctx.uow });
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await ctx.api(method, path, { body });
      expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(300);
      return res.body;
    };
    const build = async (
      body: Record<string, unknown>,
      until = (b: Record<string, unknown>) => b.status === 'completed',
    ) => {
      const code = ((await api('POST', '/api/v1/builds', body)).build as { code: string }).code;
      await settledBuild(ctx, code, until);
      return code;
    };
    const units = async (code: string) =>
      ((await api('GET', `/api/v1/builds/${code}/units?limit=100`)).items as { code: string }[]).map(
        (u) => u.code,
      );

    const r = await f.part({ name: 'R' });
    const c = await f.part({ name: 'C' });
    const ic = await f.part({ name: 'IC' });
    const screw = await f.part({ name: 'Screw' });
    const reelA = await f.lot({ part: r.code, quantity: 1000 });
    await f.lot({ part: r.code, quantity: 1000 });
    const reelC = await f.lot({ part: c.code, quantity: 1000 });
    await f.lot({ part: ic.code, quantity: 1000 });
    await f.lot({ part: screw.code, quantity: 1000 });

    // Tracked modules (12) and untracked sub-assembly stock (5).
    const mod = await f.project({
      name: 'Module',
      lines: [
        { part: r.code, quantity: 2 },
        { part: ic.code, quantity: 1 },
      ],
    });
    const mods = await build({ project: mod.code, quantity: 12, trackUnits: true });
    const modCodes = await units(mods);
    const stock = await f.project({ name: 'Filter', lines: [{ part: c.code, quantity: 3 }] });
    await build({ project: stock.code, quantity: 5 });

    // Boards: 2 modules each (one pair named), a filter and screws; 6 boards use all 12 modules.
    const board = await f.project({
      name: 'Board',
      lines: [
        { part: mod.producesPartCode, quantity: 2 },
        { part: stock.producesPartCode, quantity: 1 },
        { part: screw.code, quantity: 2 },
      ],
    });
    const boards = await build({
      project: board.code,
      quantity: 5,
      trackUnits: true,
      pairing: [{ serial: 3, units: [modCodes[11], modCodes[0]] }],
    });
    const boardCodes = await units(boards);

    // Stations take only 3 of the 5 boards: the station build reaches part of the boards, not all.
    const station = await f.project({
      name: 'Station',
      lines: [
        { part: board.producesPartCode, quantity: 1 },
        { part: c.code, quantity: 1 },
      ],
    });
    const stations = await build({ project: station.code, quantity: 3, trackUnits: true });
    const stationCodes = await units(stations);

    // A multi-stage build cancelled after one of its units was completed gives components back.
    const cancelled = await build(
      { project: mod.code, quantity: 3, trackUnits: true, stages: ['Test'] },
      (b) => b.status === 'in_progress' && (b.progress as { generated: number }).generated === 3,
    );
    await api('POST', `/api/v1/builds/${cancelled}/advance`, {});
    await settledBuild(ctx, cancelled);
    await api('POST', `/api/v1/builds/${cancelled}/complete`, { serials: [1] });
    await settledBuild(ctx, cancelled);
    await api('POST', `/api/v1/builds/${cancelled}/cancel`, { reason: 'test' });
    await settledBuild(ctx, cancelled, (b) => b.status === 'cancelled');

    // Repairs: station 1 gets a capacitor from reel C replaced from another C lot; board 2 swaps its
    // first module for the spare module of the cancelled build.
    const otherC = await f.lot({ part: c.code, quantity: 10 });
    await api('POST', `/api/v1/lots/${stationCodes[0]}/repair`, {
      symptom: 'no power',
      action: 'replaced C',
      replacements: [{ removed: reelC.code, installed: otherC.code, quantity: 1 }],
    });
    const spare = (await units(cancelled))[0]!;
    const board2Modules = (await ctx
      .db('unit_links as k')
      .join('lots as p', 'p.id', 'k.parent_lot_id')
      .join('lots as ch', 'ch.id', 'k.child_lot_id')
      .where('p.code', boardCodes[1])
      .whereNull('k.removed_at')
      .orderBy('k.id')
      .pluck('ch.code')) as string[];
    await api('POST', `/api/v1/lots/${boardCodes[1]}/repair`, {
      symptom: 'drift',
      action: 'swapped module',
      replacements: [{ removed: board2Modules[0], installed: spare }],
    });

    const lotIds = ((await ctx.db('lots').orderBy('id').pluck('id')) as number[]).map(Number);
    expect(lotIds.length).toBeGreaterThan(25);
    let nonEmpty = 0;
    for (const id of lotIds) {
      const [fast, reference] = [await expand(id), await referenceForwardReach(ctx.db, id)];
      expect(
        [...fast].sort((a, b) => a[0] - b[0]),
        `from lot ${id}`,
      ).toEqual([...reference].sort((a, b) => a[0] - b[0]));
      if (reference.size > 0) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(15);

    // Inside a transaction (a recall runs in one) the walk and the trace's counts take their steps
    // one after another on its single connection: the same answer, and pg is never handed a query
    // while another runs (its DeprecationWarning, 'client is already executing a query').
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      await ctx.db.transaction(async (trx) => {
        for (const id of lotIds) {
          const [pooled, inTransaction] = [await forwardReach(ctx.db, id), await forwardReach(trx, id)];
          expect(inTransaction, `from lot ${id} in a transaction`).toEqual(pooled);
          const page = { limit: 100 };
          expect(await traceRepository(trx).forward(id, {}, page)).toEqual(
            await traceRepository(ctx.db).forward(id, {}, page),
          );
        }
      });
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.message).filter((m) => /already executing a query/.test(m))).toEqual([]);

    // A recall's reading: every reached lot in id order, a chunk at a time from one cursor — on the
    // pool (in a read-only transaction of its own) and inside the caller's transaction — is what the
    // trace's pages hold.
    for (const id of lotIds) {
      const paged = (await traceRepository(ctx.db).forward(id, {}, { limit: 1_000 })).page.items;
      const chunks: unknown[][] = [];
      for await (const chunk of traceRepository(ctx.db).forwardEach(id, {}, 3)) chunks.push(chunk);
      expect(chunks.every((c) => c.length > 0 && c.length <= 3)).toBe(true);
      expect(chunks.flat(), `from lot ${id}`).toEqual(paged);
      const inTransaction = await ctx.db.transaction(async (trx) => {
        const lots: unknown[] = [];
        for await (const chunk of traceRepository(trx).forwardEach(id, {}, 3)) lots.push(...chunk);
        return lots;
      });
      expect(inTransaction, `from lot ${id} in a transaction`).toEqual(paged);
    }
    void reelA;
  });
});
