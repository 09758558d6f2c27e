/**
 * What `buildtrace doctor` checks: the rules the rows must keep together; each query lists the rows
 * that break one (by code or id).
 */
export const INVARIANTS: { name: string; description: string; sql: string }[] = [
  {
    name: 'lot_quantity_is_ledger_sum',
    description: "every lot's quantity equals the sum of its ledger entries",
    sql: `SELECT l.code FROM lots l
          LEFT JOIN (SELECT lot_id, sum(delta) AS total FROM stock_ledger GROUP BY lot_id) s ON s.lot_id = l.id
          WHERE l.quantity <> coalesce(s.total, 0)`,
  },
  {
    name: 'lot_reserved_is_reservation_sum',
    description: "every lot's reserved quantity equals its builds' reservations",
    sql: `SELECT l.code FROM lots l
          LEFT JOIN (SELECT lot_id, sum(quantity) AS total FROM stock_reservations GROUP BY lot_id) r ON r.lot_id = l.id
          WHERE l.reserved <> coalesce(r.total, 0)`,
  },
  {
    name: 'reservations_belong_to_starting_builds',
    description: 'stock is reserved only for builds whose start was accepted and has not run',
    sql: `SELECT DISTINCT b.code FROM stock_reservations r JOIN builds b ON b.id = r.build_id
          WHERE b.status <> 'starting'`,
  },
  {
    name: 'tracked_units_are_serials_1_to_n',
    description:
      "a tracked build's units are single-unit lots with serials 1..units generated, each once; a completed one has all its units",
    sql: `SELECT b.code FROM builds b
          LEFT JOIN (SELECT build_id, count(*) AS n, count(DISTINCT serial) AS d, min(serial) AS lo, max(serial) AS hi,
                            count(*) FILTER (WHERE quantity > 1) AS multi
                     FROM lots WHERE build_id IS NOT NULL AND serial IS NOT NULL GROUP BY build_id) u ON u.build_id = b.id
          WHERE b.track_units AND (coalesce(u.n, 0) <> b.units_generated OR coalesce(u.d, 0) <> b.units_generated
             OR coalesce(u.multi, 0) > 0
             OR (b.units_generated > 0 AND (u.lo <> 1 OR u.hi <> b.units_generated))
             OR (b.status = 'completed' AND b.units_generated <> b.quantity))`,
  },
  {
    name: 'id_codes_unique',
    description: 'every ID code names one object',
    sql: `SELECT code FROM (SELECT code FROM lots UNION ALL SELECT code FROM builds UNION ALL SELECT code FROM parts
            UNION ALL SELECT code FROM locations UNION ALL SELECT code FROM projects) c
          GROUP BY code HAVING count(*) > 1`,
  },
  {
    name: 'consumption_matches_units_made',
    description:
      'what a build keeps of each component (consumed − returned) is its per-unit quantity × the units it made (all of them unless cancelled; the completed and scrapped ones when cancelled)',
    sql: `SELECT DISTINCT b.code FROM builds b
          JOIN (SELECT build_id, part_id, sum(quantity) AS consumed, sum(returned) AS returned
                FROM build_consumptions GROUP BY build_id, part_id) c ON c.build_id = b.id
          WHERE c.consumed % b.quantity <> 0
             OR c.consumed - c.returned <> (c.consumed / b.quantity) *
                CASE WHEN b.status = 'cancelled' THEN b.units_completed + b.units_scrapped ELSE b.quantity END`,
  },
  {
    name: 'one_outcome_event_per_build',
    description:
      'a completed build announced build.completed once, a cancelled one build.cancelled once, any other neither',
    sql: `SELECT b.code FROM builds b
          LEFT JOIN (SELECT stream, count(*) FILTER (WHERE type = 'build.completed') AS completed,
                            count(*) FILTER (WHERE type = 'build.cancelled') AS cancelled
                     FROM events WHERE type IN ('build.completed','build.cancelled') GROUP BY stream) e
            ON e.stream = 'build:' || b.code
          WHERE (b.status = 'completed' AND (coalesce(e.completed, 0) <> 1 OR coalesce(e.cancelled, 0) <> 0))
             OR (b.status = 'cancelled' AND (coalesce(e.cancelled, 0) <> 1 OR coalesce(e.completed, 0) <> 0))
             OR (b.status NOT IN ('completed','cancelled') AND coalesce(e.completed, 0) + coalesce(e.cancelled, 0) <> 0)`,
  },
  {
    name: 'build_counters_match_units',
    description:
      "a tracked build's counters agree with its units: generated ones exist, completed + scrapped ≤ generated",
    sql: `SELECT code FROM builds
          WHERE track_units AND status <> 'cancelled' AND units_completed + units_scrapped > units_generated`,
  },
];
