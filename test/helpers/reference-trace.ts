/**
 * The reference forward trace: the recursive walk over the `trace_edges` view, lot by lot (slow).
 * `test/integration/trace-equivalence.test.ts` checks the fast walk of
 * `src/db/repositories/forward-trace.ts` against it.
 */
import type { Knex } from 'knex';
import { MAX_TRACE_DEPTH } from '../../src/db/repositories/forward-trace.ts';

/** Every lot reachable from `startLotId` (excluding itself) with the smallest depth it is reached at. */
export async function referenceForwardReach(
  db: Knex | Knex.Transaction,
  startLotId: number,
  maxDepth = MAX_TRACE_DEPTH,
): Promise<Map<number, number>> {
  const result = await db.raw<{ rows: { lot_id: number; depth: number }[] }>(
    `WITH RECURSIVE reach(lot_id, depth) AS (
       SELECT ?::bigint, 0
       UNION
       SELECT e.dst, r.depth + 1 FROM reach r JOIN trace_edges e ON e.src = r.lot_id WHERE r.depth < ?
     )
     SELECT lot_id, min(depth)::int AS depth FROM reach WHERE depth > 0 GROUP BY lot_id`,
    [startLotId, maxDepth],
  );
  return new Map(result.rows.map((r) => [r.lot_id, r.depth]));
}
