/**
 * Forward traceability, fast: which lots contain a given lot, at any depth.
 *
 * The edges are those of the `trace_edges` view (the reference definition, see
 * migrations/20261129030400): a unit to the device holding it (unit_links), a consumed lot to every
 * lot its consuming build made (unless the consumed unit was linked to a device of that build, or a
 * repair took that lot out of the device), and a lot a repair put into a device to that device.
 *
 * Walking those edges lot by lot costs one step per reached lot: ~1 s for 100,000 devices. Instead
 * the walk keeps two kinds of reached sets — whole builds (every lot a build made) and single lots —
 * and takes each step for a whole build at once: "the devices holding units of build B" is one
 * grouped index scan; when they are all the lots of their build, that build is reached whole and
 * the next step is again one scan. Single lots are used where a build is reached only in part
 * (some devices hold units of an affected build, others don't), or where a repair made exceptions.
 * `test/integration/trace-equivalence.test.ts` checks the result against the view, lot for lot (the
 * reference walk is `test/helpers/reference-trace.ts`).
 */
import type { Knex } from 'knex';

export const MAX_TRACE_DEPTH = 12;

export interface ReachedSet {
  /** Builds all of whose lots are reached, with the depth at which they were. */
  builds: Map<number, number>;
  /** Other reached lots with their depth (a lot may also belong to a reached build). */
  lots: Map<number, number>;
  /** The build each of `lots` belongs to (null: none). */
  lotBuilds: Map<number, number | null>;
}

type Db = Knex | Knex.Transaction;

async function rows<T>(db: Db, sql: string, bindings: unknown[]): Promise<T[]> {
  return (await db.raw<{ rows: T[] }>(sql, bindings as readonly Knex.RawBinding[])).rows;
}

/** Whether `db` is one transaction's single connection rather than the pool. */
export function isTransaction(db: Db): db is Knex.Transaction {
  return (db as { isTransaction?: boolean }).isTransaction === true;
}

/**
 * Runs independent steps: side by side on the pool (each query takes its own connection), one
 * after another inside a transaction — a pg client runs one query at a time, and handing it a
 * second while the first runs is deprecated (pg 8 warns; pg 9 will refuse).
 */
export async function eachStep(db: Db, steps: readonly (() => Promise<void>)[]): Promise<void> {
  if (!isTransaction(db)) {
    await Promise.all(steps.map((step) => step()));
    return;
  }
  for (const step of steps) await step();
}

/** Lots per build, for deciding whether a set of a build's lots is all of them. */
async function lotCounts(
  db: Db,
  buildIds: number[],
  cache: Map<number, number>,
): Promise<Map<number, number>> {
  const missing = buildIds.filter((b) => !cache.has(b));
  if (missing.length > 0) {
    for (const r of await rows<{ build_id: number; n: number }>(
      db,
      // A tracked build's lots are its units, one per serial written so far (units are single-unit
      // lots: never split, never deleted), so its counter answers without scanning them.
      `SELECT b.id AS build_id,
              CASE WHEN b.track_units THEN b.units_generated
                   ELSE (SELECT count(*)::int FROM lots l WHERE l.build_id = b.id) END AS n
       FROM builds b WHERE b.id = ANY(?::bigint[])`,
      [missing],
    )) {
      cache.set(r.build_id, r.n);
    }
    for (const b of missing) if (!cache.has(b)) cache.set(b, 0);
  }
  return cache;
}

/**
 * Builds reached through the consumption of some of their lots' sources (fan-out), each with the
 * devices a repair took every one of those source lots out of — one statement for all of them.
 * Returns the exceptions per build (a build without any is reached whole).
 */
async function fanOutExceptions(db: Db, consumed: { build_id: number; lot_id: number }[]) {
  const exceptions = new Map<number, number[]>();
  if (consumed.length === 0) return exceptions;
  for (const r of await rows<{ build_id: number; device_lot_id: number }>(
    db,
    `WITH src AS (SELECT DISTINCT * FROM unnest(?::bigint[], ?::bigint[]) AS s(build_id, lot_id)),
          need AS (SELECT build_id, count(*) AS n FROM src GROUP BY build_id)
     SELECT d.build_id, s.device_lot_id
     FROM src JOIN device_component_state s ON s.lot_id = src.lot_id AND NOT s.present
     JOIN lots d ON d.id = s.device_lot_id AND d.build_id = src.build_id
     GROUP BY d.build_id, s.device_lot_id
     HAVING count(DISTINCT s.lot_id) = (SELECT n FROM need WHERE need.build_id = d.build_id)`,
    [consumed.map((c) => c.build_id), consumed.map((c) => c.lot_id)],
  )) {
    exceptions.set(r.build_id, [...(exceptions.get(r.build_id) ?? []), r.device_lot_id]);
  }
  return exceptions;
}

export async function forwardReach(
  db: Db,
  startLotId: number,
  maxDepth = MAX_TRACE_DEPTH,
): Promise<ReachedSet> {
  const builds = new Map<number, number>();
  const lots = new Map<number, number>();
  const lotBuild = new Map<number, number | null>();
  const counts = new Map<number, number>();
  let frontierBuilds: number[] = [];
  let frontierLots: number[] = [startLotId];
  const seenStart = new Set([startLotId]);

  for (let depth = 1; depth <= maxDepth && (frontierBuilds.length > 0 || frontierLots.length > 0); depth++) {
    const nextBuilds = new Set<number>();
    const nextLots = new Map<number, number | null>(); // lot → its build (null: unknown or none)
    /**
     * Builds that consumed these lots: each reached whole, or all but the devices a repair took
     * every one of its source lots out of — a statement for the exceptions of all of them, and one
     * for the lots of the (rare) builds that have some.
     */
    const fanOut = async (consumed: { build_id: number; lot_id: number }[]) => {
      const exceptions = await fanOutExceptions(db, consumed);
      for (const c of consumed) if (!exceptions.has(c.build_id)) nextBuilds.add(c.build_id);
      if (exceptions.size === 0) return;
      for (const r of await rows<{ id: number; build_id: number }>(
        db,
        'SELECT id, build_id FROM lots WHERE build_id = ANY(?::bigint[])',
        [[...exceptions.keys()]],
      )) {
        if (!exceptions.get(r.build_id)!.includes(r.id)) nextLots.set(r.id, r.build_id);
      }
    };

    // The steps of one depth are independent of each other: on the pool they run side by side,
    // inside a transaction one after another on its connection (same result, see eachStep).
    const steps: (() => Promise<void>)[] = [];
    if (frontierBuilds.length > 0) {
      const fromBuilds = frontierBuilds;
      steps.push(
        async () => {
          // Devices holding units of the reached builds, counted per device build.
          // (DISTINCT over the sorted index, then count: far cheaper than count(DISTINCT …).)
          const held = await rows<{ parent_build_id: number | null; n: number }>(
            db,
            `SELECT parent_build_id, count(*)::int AS n FROM (
               SELECT DISTINCT parent_build_id, parent_lot_id FROM unit_links
               WHERE child_build_id = ANY(?::bigint[]) AND removed_at IS NULL) x
             GROUP BY parent_build_id`,
            [fromBuilds],
          );
          await lotCounts(
            db,
            held.flatMap((h) => (h.parent_build_id === null ? [] : [h.parent_build_id])),
            counts,
          );
          // Device builds holding units of them in every device are reached whole; the devices of
          // the others (and those of no build) one by one, read in one statement.
          const partial: number[] = [];
          let withoutBuild = false;
          for (const h of held) {
            if (h.parent_build_id !== null && counts.get(h.parent_build_id) === h.n)
              nextBuilds.add(h.parent_build_id);
            else if (h.parent_build_id === null) withoutBuild = true;
            else partial.push(h.parent_build_id);
          }
          if (partial.length > 0 || withoutBuild) {
            for (const p of await rows<{ parent_lot_id: number; parent_build_id: number | null }>(
              db,
              `SELECT DISTINCT parent_lot_id, parent_build_id FROM unit_links
               WHERE child_build_id = ANY(?::bigint[]) AND removed_at IS NULL
                 AND (parent_build_id = ANY(?::bigint[]) OR (?::boolean AND parent_build_id IS NULL))`,
              [fromBuilds, partial, withoutBuild],
            ))
              nextLots.set(p.parent_lot_id, p.parent_build_id);
          }
        },
        async () => {
          // Builds that consumed lots of the reached builds without linking each of them to a device.
          const unlinked = await rows<{ build_id: number; lot_id: number }>(
            db,
            `SELECT c.build_id, c.lot_id FROM build_consumptions c
             WHERE c.source_build_id = ANY(?::bigint[]) AND NOT c.linked AND c.returned < c.quantity`,
            [fromBuilds],
          );
          await fanOut(unlinked);
        },
        async () => {
          // Lots of the reached builds that repairs put into devices.
          for (const r of await rows<{ device_lot_id: number }>(
            db,
            `SELECT DISTINCT s.device_lot_id FROM device_component_state s JOIN lots l ON l.id = s.lot_id
             WHERE l.build_id = ANY(?::bigint[]) AND s.present`,
            [fromBuilds],
          )) {
            if (!nextLots.has(r.device_lot_id)) nextLots.set(r.device_lot_id, null);
          }
        },
      );
    }

    if (frontierLots.length > 0) {
      const fromLots = frontierLots;
      steps.push(
        async () => {
          for (const r of await rows<{ parent_lot_id: number; parent_build_id: number | null }>(
            db,
            `SELECT DISTINCT parent_lot_id, parent_build_id FROM unit_links WHERE child_lot_id = ANY(?::bigint[]) AND removed_at IS NULL`,
            [fromLots],
          )) {
            nextLots.set(r.parent_lot_id, r.parent_build_id);
          }
        },
        async () => {
          const consumed = await rows<{ build_id: number; lot_id: number }>(
            db,
            `SELECT DISTINCT c.build_id, c.lot_id FROM build_consumptions c
             WHERE c.lot_id = ANY(?::bigint[]) AND c.returned < c.quantity AND NOT c.linked`,
            [fromLots],
          );
          await fanOut(consumed);
        },
        async () => {
          for (const r of await rows<{ device_lot_id: number }>(
            db,
            'SELECT DISTINCT device_lot_id FROM device_component_state WHERE lot_id = ANY(?::bigint[]) AND present',
            [fromLots],
          )) {
            if (!nextLots.has(r.device_lot_id)) nextLots.set(r.device_lot_id, null);
          }
        },
      );
    }
    await eachStep(db, steps);

    // Single lots that turn out to be all of their build become a whole build.
    const unknown = [...nextLots].filter(([, b]) => b === null).map(([id]) => id);
    if (unknown.length > 0) {
      for (const r of await rows<{ id: number; build_id: number | null }>(
        db,
        'SELECT id, build_id FROM lots WHERE id = ANY(?::bigint[])',
        [unknown],
      )) {
        nextLots.set(r.id, r.build_id);
      }
    }
    const perBuild = new Map<number, number>();
    for (const [, b] of nextLots)
      if (b !== null && !builds.has(b) && !nextBuilds.has(b)) perBuild.set(b, (perBuild.get(b) ?? 0) + 1);
    await lotCounts(db, [...perBuild.keys()], counts);
    for (const [b, n] of perBuild) if (counts.get(b) === n) nextBuilds.add(b);

    frontierBuilds = [...nextBuilds].filter((b) => !builds.has(b));
    for (const b of frontierBuilds) builds.set(b, depth);
    frontierLots = [];
    for (const [id, b] of nextLots) {
      if (lots.has(id) || seenStart.has(id)) continue;
      lotBuild.set(id, b);
      lots.set(id, depth);
      // A lot inside a build reached earlier (or now, whole) was reached there already.
      if (b !== null && builds.has(b) && builds.get(b)! <= depth) continue;
      frontierLots.push(id);
    }
  }
  // Lots covered by a whole build at the same or a smaller depth need no separate entry.
  for (const [id, depth] of lots) {
    const b = lotBuild.get(id);
    if (b !== null && b !== undefined && builds.has(b) && builds.get(b)! <= depth) lots.delete(id);
  }
  const lotBuilds = new Map<number, number | null>();
  for (const id of lots.keys()) lotBuilds.set(id, lotBuild.get(id) ?? null);
  return { builds, lots, lotBuilds };
}
