/**
 * The connection pool (src/db/knex.ts): an unused connection is closed after `poolIdleMs`
 * (`DATABASE_POOL_IDLE_SECONDS`, default 5 minutes) — not knex's 30 s, after which a lull between
 * bursts cost the next request a new PostgreSQL backend and its statements' planning.
 */
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/knex.ts';
import { createTestDatabase } from '../helpers/context.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
const opened: Knex[] = [];
const open = (poolIdleMs?: number) => {
  const db = createDb({ url: database.url, poolMax: 1, ...(poolIdleMs ? { poolIdleMs } : {}) });
  opened.push(db);
  return db;
};
const backend = async (db: Knex) => Number((await db.raw('SELECT pg_backend_pid() AS pid')).rows[0].pid);
const pool = (db: Knex) =>
  (db.client as { pool: { idleTimeoutMillis: number; numFree(): number; numUsed(): number } }).pool;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  for (const db of opened) await db.destroy();
  await database?.drop();
});

describe('connection pool', () => {
  it('keeps an unused connection for 5 minutes by default', async () => {
    const db = open();
    const pid = await backend(db);
    expect(pool(db).idleTimeoutMillis).toBe(300_000);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await backend(db)).toBe(pid);
  });

  it('closes a connection unused for longer than poolIdleMs, and opens a new one when asked', async () => {
    const db = open(200);
    const pid = await backend(db);
    await expect.poll(() => pool(db).numFree(), { timeout: 5_000, interval: 100 }).toBe(0);
    const other = open();
    const alive = async () =>
      (await other.raw('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ?', [pid])).rows[0].n;
    await expect.poll(alive, { timeout: 5_000, interval: 100 }).toBe(0);
    const next = await backend(db);
    expect(next).not.toBe(pid);
  });
});
