/** The knex instance: PostgreSQL through node-postgres. */
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
  /** Sets `application_name`, handy in pg_stat_activity. */
  applicationName?: string;
  /**
   * Where knex's own warnings go (a connection that could not be acquired, a deprecation …), rather
   * than knex's default: coloured text with a stack on stdout, which would break JSON logs.
   */
  log?: Logger;
}

/** knex's log messages as log lines: the first line as the message, the rest (a stack) as `detail`. */
function knexLog(log: Logger): Knex.Config['log'] {
  const line = (level: 'debug' | 'warn' | 'error') => (message: unknown) => {
    const [first = '', ...rest] = (typeof message === 'string' ? message : String(message)).split('\n');
    log[level](rest.length > 0 ? { detail: rest.join('\n') } : {}, `knex: ${first}`);
  };
  return { debug: line('debug'), warn: line('warn'), error: line('error'), deprecate: line('warn') };
}

export function createDb({ url, poolMax = 10, applicationName = 'buildtrace', log }: DbOptions): Knex {
  const db = knexFactory({
    client: 'pg',
    connection: { connectionString: url, application_name: applicationName },
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 10_000,
    // knex prefixes an error's message with the failed SQL; without this, with its bound values too
    // — which would put user data (and secrets) into logs.
    compileSqlOnError: false,
    ...(log ? { log: knexLog(log) } : {}),
  });
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
