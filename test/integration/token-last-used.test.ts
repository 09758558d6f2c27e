/**
 * A token's last use is recorded at most once a minute, and requests never queue behind the one
 * recording it: while its row is locked, the others skip the write (SKIP LOCKED) and answer at once.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { databaseUrl } from '../helpers/env.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx?.close());

const lastUsed = async () =>
  (
    (await ctx.db('api_tokens').where({ name: 'test-viewer' }).first('last_used_at')) as {
      last_used_at: Date | null;
    }
  ).last_used_at;

it("records a token's use once a minute, and no request waits for another's record", async () => {
  expect(await lastUsed()).toBeNull();
  expect((await ctx.api('GET', '/api/v1/parts', { role: 'viewer' })).status).toBe(200);
  const first = await lastUsed();
  expect(first).toBeInstanceOf(Date);
  // Within the minute: not written again.
  expect((await ctx.api('GET', '/api/v1/parts', { role: 'viewer' })).status).toBe(200);
  expect(await lastUsed()).toEqual(first);

  // A minute later, while another request holds the row to record its use (here: an open
  // transaction), a request answers without waiting for it, and leaves the row to that one.
  await ctx
    .db('api_tokens')
    .where({ name: 'test-viewer' })
    .update({ last_used_at: ctx.db.raw(`now() - interval '2 minutes'`) });
  const stale = await lastUsed();
  const holder = new pg.Client({ connectionString: databaseUrl(ctx.databaseName) });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query(`SELECT id FROM api_tokens WHERE name = 'test-viewer' FOR UPDATE`);
    const started = performance.now();
    expect((await ctx.api('GET', '/api/v1/parts', { role: 'viewer' })).status).toBe(200);
    expect(performance.now() - started).toBeLessThan(2_000);
    await holder.query('ROLLBACK');
  } finally {
    await holder.end();
  }
  expect(await lastUsed()).toEqual(stale);
  // Once the row is free, the next request records the use.
  expect((await ctx.api('GET', '/api/v1/parts', { role: 'viewer' })).status).toBe(200);
  expect((await lastUsed())!.getTime()).toBeGreaterThan(stale!.getTime());
});
