/**
 * Named prepared statements (src/db/knex.ts PREPARE): the statements marked so are parsed and planned
 * once per connection, survive a migration that changes a table under them, and are plain statements
 * when turned off (DATABASE_PREPARED_STATEMENTS=false, for a pooler that cannot keep them).
 */
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, PREPARE } from '../../src/db/knex.ts';
import { createTestDatabase } from '../helpers/context.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
const opened: Knex[] = [];
const open = (preparedStatements?: boolean) => {
  // One connection: what one statement prepared, the next one on the pool sees.
  const db = createDb({ url: database.url, poolMax: 1, preparedStatements });
  opened.push(db);
  return db;
};
const preparedNames = async (db: Knex) =>
  (
    (await db.raw(`SELECT name FROM pg_prepared_statements WHERE name LIKE 'bt\\_%'`)).rows as {
      name: string;
    }[]
  ).map((r) => r.name);

beforeAll(async () => {
  database = await createTestDatabase();
  const db = open();
  await db.raw('CREATE TABLE probe (id int PRIMARY KEY, code text NOT NULL)');
  await db.raw(`INSERT INTO probe VALUES (1, 'one'), (2, 'two')`);
});
afterAll(async () => {
  for (const db of opened) await db.destroy();
  await database?.drop();
});

describe('prepared statements', () => {
  it('names a marked statement after its text and runs it again without parsing it', async () => {
    const db = open();
    const byId = (id: number) => db('probe').where({ id }).first('code').options(PREPARE);
    expect(await byId(1)).toEqual({ code: 'one' });
    expect(await byId(2)).toEqual({ code: 'two' });
    const names = await preparedNames(db);
    expect(names).toHaveLength(1);
    // Another text, another name; an unmarked statement is not prepared.
    await db('probe').where({ code: 'two' }).first('id').options(PREPARE);
    await db('probe').where({ id: 1 }).first('id');
    expect(await preparedNames(db)).toHaveLength(2);
    // Raw statements take it too.
    expect((await db.raw('SELECT code FROM probe WHERE id = ?', [2]).options(PREPARE)).rows).toEqual([
      { code: 'two' },
    ]);
    expect(await preparedNames(db)).toHaveLength(3);
  });

  it('survives a migration that adds a column under a prepared `SELECT *`', async () => {
    const db = open();
    const all = () => db('probe').where({ id: 1 }).first().options(PREPARE);
    expect(await all()).toEqual({ id: 1, code: 'one' });
    await db.raw('ALTER TABLE probe ADD COLUMN note text');
    // PostgreSQL refuses the cached plan ("cached plan must not change result type"): prepared anew.
    expect(await all()).toEqual({ id: 1, code: 'one', note: null });
    expect(await all()).toEqual({ id: 1, code: 'one', note: null });
    await db.raw('ALTER TABLE probe DROP COLUMN note');
  });

  it('inside a transaction too, the statement reads the changed table', async () => {
    const db = open();
    const all = (on: Knex | Knex.Transaction) => on('probe').where({ id: 2 }).first().options(PREPARE);
    expect(await all(db)).toEqual({ id: 2, code: 'two' });
    await db.raw('ALTER TABLE probe ADD COLUMN note text');
    expect(await db.transaction((trx) => all(trx))).toEqual({ id: 2, code: 'two', note: null });
    expect(await all(db)).toEqual({ id: 2, code: 'two', note: null });
    await db.raw('ALTER TABLE probe DROP COLUMN note');
  });

  it('prepares nothing when turned off', async () => {
    const db = open(false);
    expect(await db('probe').where({ id: 1 }).first('code').options(PREPARE)).toEqual({ code: 'one' });
    expect(await db.raw('SELECT code FROM probe WHERE id = ?', [1]).options(PREPARE)).toMatchObject({
      rows: [{ code: 'one' }],
    });
    expect(await preparedNames(db)).toEqual([]);
  });
});
