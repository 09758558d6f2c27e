/**
 * Once per test run: a migrated template database. Each test file then clones it
 * (`CREATE DATABASE … TEMPLATE …`, a file copy) so files run in parallel on their own databases.
 * Databases left behind by runs whose process is gone are dropped.
 */
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDb } from '../src/db/knex.ts';
import { migrateLatest } from '../src/db/migrate.ts';
import { TEST_DATABASE_URL, databaseUrl } from './helpers/env.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  const stale = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname ~ '^bt_(tpl|t)_[0-9]+_'`,
  );
  for (const { datname } of stale.rows) {
    const pid = Number(datname.split('_')[2]);
    if (!alive(pid)) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  }
  const template = `bt_tpl_${process.pid}_${Date.now().toString(36)}`;
  await admin.query(`CREATE DATABASE "${template}"`);
  const db = createDb({ url: databaseUrl(template), poolMax: 1 });
  await migrateLatest(db);
  await db.destroy();
  project.provide('templateDatabase', template);

  return async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
    await admin.end();
  };
}
