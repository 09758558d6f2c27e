/** The knex instance: PostgreSQL through node-postgres. */
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

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
}

export function createDb({ url, poolMax = 10, applicationName = 'buildtrace' }: DbOptions): Knex {
  return knexFactory({
    client: 'pg',
    connection: { connectionString: url, application_name: applicationName },
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 10_000,
  });
}

export type Db = Knex;
export type DbOrTx = Knex | Knex.Transaction;
