/**
 * The read replica (`DATABASE_READ_URL`): a second pool, and a watch that knows how far behind the
 * primary the replica is, in time, so that reads go to it only while it is close enough.
 *
 * How far behind: every tick the watch notes the primary's WAL position with the time it asked,
 * then asks the replica how far it has replayed. Everything committed on the primary before the
 * newest noted time whose position the replica has replayed is on the replica; the lag is the time
 * since then. It grows by itself when the replica stops replaying or stops answering (no tick
 * moves it on), so a replica that falls behind is left alone within `maxLagMs`; one that does
 * not answer, at once (until it answers again).
 * Positions rather than `pg_last_xact_replay_timestamp()`: an idle primary writes no transactions,
 * and a caught-up replica would look ever further behind. Both functions need no privilege.
 */
import type { Knex } from 'knex';
import type { Logger } from '../logger.ts';
import { withTimeout } from '../timeout.ts';
import { createDb } from './knex.ts';

export interface ReplicaState {
  /** `in use`: reads that may lag go to the replica; otherwise to the primary. */
  state: 'in use' | 'lagging' | 'unreachable';
  /** How far behind the primary it is known to be at most, in ms (null: never caught up yet). */
  lagMs: number | null;
  /** The last error asking it, when unreachable. */
  error?: string;
}

export interface ReadReplica {
  /** The replica's pool, when it is close enough to be read; undefined: read the primary. */
  current(): Knex | undefined;
  state(): ReplicaState;
  /** One tick now (the watch ticks by itself; tests and /readyz need not wait for it). */
  check(): Promise<void>;
  close(): Promise<void>;
}

export interface ReadReplicaOptions {
  url: string;
  poolMax: number;
  /** How long an unused pooled connection is kept (see createDb; default 5 minutes). */
  poolIdleMs?: number;
  /** Further behind than this (or unreachable that long), and the primary is read instead. */
  maxLagMs: number;
  primary: Knex;
  log: Logger;
  applicationName?: string;
  /** Named prepared statements for the statements marked so (see createDb); default true. */
  preparedStatements?: boolean;
}

/** `X/Y` (pg_lsn as text) as one number. */
const lsn = (text: string) => {
  const [high = '0', low = '0'] = text.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
};

/** How often the watch ticks: a few times within the lag allowed, at most once a second. */
export const tickMs = (maxLagMs: number) => Math.max(50, Math.min(1_000, Math.floor(maxLagMs / 4)));

export function createReadReplica(options: ReadReplicaOptions): ReadReplica {
  const { primary, log, maxLagMs } = options;
  const db = createDb({
    url: options.url,
    poolMax: options.poolMax,
    ...(options.poolIdleMs ? { poolIdleMs: options.poolIdleMs } : {}),
    applicationName: `${options.applicationName ?? 'buildtrace'}-reads`,
    log,
    preparedStatements: options.preparedStatements ?? true,
  });
  // Positions noted on the primary, oldest first, that the replica has not replayed yet.
  let pending: { at: number; position: bigint }[] = [];
  // When the newest position the replica has replayed was current on the primary.
  let caughtUpAt: number | undefined;
  let error: string | undefined;
  let reported: ReplicaState['state'] | undefined;
  let running: Promise<void> | undefined;
  let closed = false;

  const answerMs = Math.max(1_000, Math.min(maxLagMs, 10_000));
  const lagMs = () => (caughtUpAt === undefined ? null : Date.now() - caughtUpAt);

  function state(): ReplicaState {
    const lag = lagMs();
    if (error !== undefined) return { state: 'unreachable', lagMs: lag, error };
    return { state: lag !== null && lag <= maxLagMs ? 'in use' : 'lagging', lagMs: lag };
  }

  /** Logs once per change of state: warns when reads leave the replica, tells when they return. */
  function report(): void {
    const now = state();
    if (now.state === reported) return;
    const first = reported === undefined;
    reported = now.state;
    if (now.state === 'in use') {
      if (!first) log.info({ replica: now }, 'read replica caught up: reads that may lag use it again');
    } else if (!first || now.state === 'unreachable') {
      log.warn({ replica: now, maxLagMs }, `read replica ${now.state}: reads go to the primary`);
    }
  }

  async function tick(): Promise<void> {
    const at = Date.now();
    let noted: { rows: { position: string }[] };
    // Neither question may hold the watch up: a tick that hung would stop it for good.
    const within = <T>(query: Promise<T>) =>
      withTimeout(query, answerMs, `no answer within ${answerMs / 1000} s`);
    try {
      noted = await within(primary.raw('SELECT pg_current_wal_lsn()::text AS position'));
    } catch {
      return; // the primary's own trouble: nothing learnt about the replica this time
    }
    pending.push({ at, position: lsn(noted.rows[0]!.position) });
    // A replica away for long: only the newest positions matter (dropping old ones errs on "behind").
    if (pending.length > 1_000) pending.shift();
    try {
      // A server that is not in recovery is read as it is: the primary itself behind another URL.
      const replayed = await within(
        db.raw<{ rows: { position: string }[] }>(
          `SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text AS position`,
        ),
      );
      const position = lsn(replayed.rows[0]?.position ?? '0/0');
      const passed = pending.filter((p) => p.position <= position);
      if (passed.length > 0) caughtUpAt = Math.max(caughtUpAt ?? 0, passed.at(-1)!.at);
      pending = pending.filter((p) => p.position > position);
      error = undefined;
    } catch (e) {
      error = (e instanceof Error && e.message) || 'unreachable';
    }
    report();
  }

  const check = () => (running ??= tick().finally(() => (running = undefined)));
  const timer = setInterval(() => {
    if (!closed) void check();
  }, tickMs(maxLagMs));
  timer.unref();
  void check();

  return {
    current() {
      const lag = lagMs();
      if (error === undefined && lag !== null && lag <= maxLagMs) return db;
      report();
      return undefined;
    },
    state,
    check,
    async close() {
      closed = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
      await db.destroy();
    },
  };
}
