/**
 * Hit counts in fixed windows, kept in PostgreSQL (table `rate_limit_counts`) so that every process
 * on the same database counts together: the rate limits' shared store when there is no Redis, and
 * the Slack replay guard's "seen once" claims. One upsert per hit; the window starts with the first
 * hit and its end is decided by the database's clock, the one clock all processes share. Rows whose
 * window ended over a minute ago are swept by the processes that count, once a minute each.
 */
import type { Knex } from 'knex';

export interface WindowCount {
  /** Hits in the current window, this one included. */
  hits: number;
  /** When the current window ends (the count starts again at the next hit after). */
  resetsAt: Date;
}

export interface RateLimitCounts {
  /** Counts a hit on `key`, starting a window of `windowMs` if none is running. */
  hit(key: string, windowMs: number): Promise<WindowCount>;
  /** The running window's count, or undefined when none is running. */
  get(key: string): Promise<WindowCount | undefined>;
  /** Takes back one hit (express-rate-limit's skipped requests). */
  unhit(key: string): Promise<void>;
  reset(key: string): Promise<void>;
  /** Deletes the rows whose window ended before `graceMs` ago; the number deleted. */
  sweep(graceMs?: number): Promise<number>;
}

type Row = { hits: number; resets_at: Date };
const count = (row: Row): WindowCount => ({ hits: row.hits, resetsAt: row.resets_at });

/** How often a process sweeps ended windows, after a hit (not waited for by it). */
const SWEEP_EVERY_MS = 60_000;

export function rateLimitCounts(db: Knex): RateLimitCounts {
  let sweptAt = Date.now();
  const counts: RateLimitCounts = {
    async hit(key, windowMs) {
      if (Date.now() - sweptAt > SWEEP_EVERY_MS) {
        sweptAt = Date.now();
        // Rows of callers gone quiet: whoever counts cleans up, so no process needs a timer.
        counts.sweep().catch(() => undefined);
      }
      // A window that has ended is started again by this hit, in the same statement.
      const { rows } = (await db.raw(
        `INSERT INTO rate_limit_counts AS c (key, hits, resets_at)
         VALUES (?, 1, clock_timestamp() + make_interval(secs => ? / 1000.0))
         ON CONFLICT (key) DO UPDATE SET
           hits = CASE WHEN c.resets_at <= clock_timestamp() THEN 1 ELSE c.hits + 1 END,
           resets_at = CASE WHEN c.resets_at <= clock_timestamp() THEN excluded.resets_at ELSE c.resets_at END
         RETURNING hits, resets_at`,
        [key, windowMs],
      )) as { rows: Row[] };
      return count(rows[0]!);
    },
    async get(key) {
      const row = (await db('rate_limit_counts')
        .where({ key })
        .where('resets_at', '>', db.raw('clock_timestamp()'))
        .first('hits', 'resets_at')) as Row | undefined;
      return row && count(row);
    },
    async unhit(key) {
      await db('rate_limit_counts')
        .where({ key })
        .where('hits', '>', 0)
        .update({ hits: db.raw('hits - 1') });
    },
    async reset(key) {
      await db('rate_limit_counts').where({ key }).delete();
    },
    async sweep(graceMs = 60_000) {
      return db('rate_limit_counts')
        .where('resets_at', '<', db.raw(`clock_timestamp() - make_interval(secs => ? / 1000.0)`, [graceMs]))
        .delete();
    },
  };
  return counts;
}
