/** The knex instance: PostgreSQL through node-postgres. */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import type { Logger } from '../logger.ts';

// Ids are bigserial but stay far below 2^53; counts come back as bigint too.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
// A DATE is a calendar day, not an instant: keep 'YYYY-MM-DD' instead of a local-midnight Date.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export interface DbOptions {
  url: string;
  /** Largest number of pooled connections. */
  poolMax?: number;
  /**
   * How long a pooled connection may sit unused before it is closed (default 5 minutes). A new
   * connection costs its first request a PostgreSQL backend's start and every prepared statement's
   * planning (10–35 ms seen at 500 lookups/s), so connections outlive the lulls between bursts.
   */
  poolIdleMs?: number;
  /** Sets `application_name`, handy in pg_stat_activity. */
  applicationName?: string;
  /**
   * Where knex's own warnings go (a connection that could not be acquired, a deprecation …), rather
   * than knex's default: coloured text with a stack on stdout, which would break JSON logs.
   */
  log?: Logger;
  /**
   * Whether statements marked with {@link PREPARE} become named prepared statements (parsed and
   * planned once per connection). Default true; off for a connection pooler that cannot keep them
   * (PgBouncer in transaction mode before 1.21): `DATABASE_PREPARED_STATEMENTS=false`.
   */
  preparedStatements?: boolean;
}

/**
 * Knex options that make a statement a named prepared statement on each pooled connection:
 * `query.options(PREPARE)`. For the statements every request runs (the API token, a lot by code or
 * serial, the device page's reads): PostgreSQL then parses and plans them once per connection
 * instead of on every request — planning a lot lookup's five-table join costs 0.45 ms, its execution
 * 0.06 ms. The name is a hash of the SQL text, so only statements whose text does not grow with
 * their input may be marked (`= ANY(?)`, not a `whereIn` of many values).
 */
export const PREPARE = Object.freeze({ prepare: true });

interface QueryObject {
  sql: string;
  options?: Record<string, unknown> & { prepare?: boolean; name?: string };
}

/** A result whose columns changed under a prepared statement (a migration ran meanwhile). */
const isStalePlan = (error: unknown) =>
  (error as { code?: unknown }).code === '0A000' &&
  String((error as Error).message).includes('cached plan must not change result type');

// knex's PostgreSQL client, to name the statements marked with PREPARE.
const require = createRequire(import.meta.url);
const PgClient = require('knex/lib/dialects/postgres/index.js') as new (config: Knex.Config) => {
  _query(connection: unknown, obj: QueryObject): Promise<unknown>;
};

/** The name of each marked statement's text, hashed once. */
const STATEMENT_NAMES = new Map<string, string>();

/** The PostgreSQL client with PREPARE: the marked statements named after their text. */
class PreparingPgClient extends PgClient {
  preparing = true;
  override async _query(connection: unknown, obj: QueryObject): Promise<unknown> {
    if (!obj.options?.prepare) return super._query(connection, obj);
    const { prepare: _prepare, ...options } = obj.options;
    if (!this.preparing) return super._query(connection, { ...obj, options });
    let name = STATEMENT_NAMES.get(obj.sql);
    if (name === undefined) {
      name = `bt_${createHash('sha1').update(obj.sql).digest('base64url').slice(0, 20)}`;
      // The marked texts are a fixed few (their text never grows with their input): the bound is a guard.
      if (STATEMENT_NAMES.size >= 1_000) STATEMENT_NAMES.clear();
      STATEMENT_NAMES.set(obj.sql, name);
    }
    try {
      return await super._query(connection, { ...obj, options: { ...options, name } });
    } catch (error) {
      if (!isStalePlan(error)) throw error;
      // A migration changed a table under the statement (a `SELECT l.*` got a new column): forget it.
      const conn = connection as {
        __knexTxId?: unknown;
        __knex__disposed?: unknown;
        connection?: { parsedStatements?: Record<string, string> };
      };
      if (conn.__knexTxId !== undefined) {
        // (PostgreSQL replans inside a transaction block; were it to refuse there, the error has
        // aborted the transaction: the caller sees it, and the pool replaces this connection.)
        conn.__knex__disposed = error;
        throw error;
      }
      if (conn.connection?.parsedStatements) delete conn.connection.parsedStatements[name];
      await super._query(connection, { sql: `DEALLOCATE "${name}"` }).catch(() => undefined);
      return super._query(connection, { ...obj, options: { ...options, name } });
    }
  }
}

/** knex's log messages as log lines: the first line as the message, the rest (a stack) as `detail`. */
function knexLog(log: Logger): Knex.Config['log'] {
  const line = (level: 'debug' | 'warn' | 'error') => (message: unknown) => {
    const [first = '', ...rest] = (typeof message === 'string' ? message : String(message)).split('\n');
    log[level](rest.length > 0 ? { detail: rest.join('\n') } : {}, `knex: ${first}`);
  };
  return { debug: line('debug'), warn: line('warn'), error: line('error'), deprecate: line('warn') };
}

export function createDb({
  url,
  poolMax = 10,
  poolIdleMs = 300_000,
  applicationName = 'buildtrace',
  log,
  preparedStatements = true,
}: DbOptions): Knex {
  const db = knexFactory({
    client: PreparingPgClient as unknown as typeof Knex.Client,
    // TCP keepalive: a connection kept idle for minutes is not silently dropped by a firewall or NAT
    // on the way (it would fail its next query instead).
    connection: { connectionString: url, application_name: applicationName, keepAlive: true },
    // min 0: every connection may close once idle for poolIdleMs (knex's advice: a minimum kept open
    // forever outlives a database restart or a network change as a broken connection).
    pool: { min: 0, max: poolMax, idleTimeoutMillis: poolIdleMs },
    acquireConnectionTimeout: 10_000,
    // knex prefixes an error's message with the failed SQL; without this, with its bound values too
    // — which would put user data (and secrets) into logs.
    compileSqlOnError: false,
    ...(log ? { log: knexLog(log) } : {}),
  });
  (db.client as unknown as PreparingPgClient).preparing = preparedStatements;
  // The server's own words, for errors that are meant for people (our triggers' RAISE EXCEPTION).
  db.on('query-error', (error: unknown, query: { sql?: unknown }) => {
    if (!(error instanceof Error) || typeof query?.sql !== 'string') return;
    const prefix = `${query.sql} - `;
    if (error.message.startsWith(prefix))
      (error as Error & { serverMessage?: string }).serverMessage = error.message.slice(prefix.length);
  });
  return db;
}

export type Db = Knex;
export type DbOrTx = Knex | Knex.Transaction;
