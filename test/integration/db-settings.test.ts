/**
 * The server settings a process checks when it starts (src/db/settings.ts): with PostgreSQL's
 * autovacuum off, the process logs a warning that says what it costs and what to do.
 */
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/knex.ts';
import { autovacuumWarning } from '../../src/db/settings.ts';
import { createTestDatabase } from '../helpers/context.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Knex;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, poolMax: 1 });
});
afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

describe('server settings', () => {
  it("warns exactly when the server's autovacuum is off, saying what to do", async () => {
    const setting = (await db.raw('SHOW autovacuum')).rows[0].autovacuum as string;
    const warning = await autovacuumWarning(db);
    if (setting === 'off') {
      expect(warning).toMatch(/autovacuum is off/);
      expect(warning).toMatch(/Turn autovacuum on, or run ANALYZE/);
    } else {
      expect(warning).toBeUndefined();
    }
  });
});
