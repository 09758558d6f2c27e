/**
 * An isolated, real environment per test file: its own PostgreSQL database (cloned from the migrated
 * template), its own Redis key prefix (or BullMQ's PostgreSQL backend inside that database), the
 * real Express app listening on an ephemeral loopback port, and API tokens for each role.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { pino } from 'pino';
import pg from 'pg';
import { inject } from 'vitest';
import { execute } from '../../src/commands/define.ts';
import { createToken } from '../../src/commands/tokens.ts';
import { loadConfig, type Config } from '../../src/config/index.ts';
import type { AppContext } from '../../src/context.ts';
import { createDb } from '../../src/db/knex.ts';
import { migrateLatest } from '../../src/db/migrate.ts';
import { SYSTEM_ACTOR, type Role } from '../../src/domain/roles.ts';
import { createApp } from '../../src/http/app.ts';
import { createSlack } from '../../src/slack/app.ts';
import { assembleRuntime } from '../../src/main/bootstrap.ts';
import type { Reconciler } from '../../workers/reconciler.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { TEST_DATABASE_URL, TEST_REDIS_URL, databaseUrl } from './env.ts';
import { deleteRedisKeys } from './redis-keys.ts';

export interface TestContext extends AppContext {
  reconciler: Reconciler;
  databaseName: string;
  queuePrefix: string;
  tokens: Record<Role, string>;
  /** Base URL of the running app, e.g. http://127.0.0.1:41234 */
  url: string;
  server: Server;
  /** fetch against the app with a role's token (or none). */
  api(
    method: string,
    path: string,
    options?: { role?: Role | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<ApiResponse>;
  close(): Promise<void>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  // Tests look into bodies freely; the API's schemas are checked by the API itself.
  body: Record<string, unknown> & { [key: string]: unknown };
  text: string;
}

/** Runs one statement as the test role on the server's default database (create, drop databases). */
export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `bt_t_${process.ppid}_${randomBytes(5).toString('hex')}`;
  const template = inject('templateDatabase');
  // Cloning locks the template briefly; concurrent clones from several files wait their turn.
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
      break;
    } catch (error) {
      if (attempt > 20 || !/being accessed by other users/.test(String(error))) throw error;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  return {
    name,
    url: databaseUrl(name),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

export interface TestContextOptions {
  queueBackend?: 'redis' | 'postgres';
  env?: Record<string, string>;
  /** A database of its own (a private server's): migrated here, left in place at close. */
  databaseUrl?: string;
}

async function givenDatabase(url: string): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const db = createDb({ url, poolMax: 1 });
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
  return { name: `bt_private_${randomBytes(4).toString('hex')}`, url, drop: async () => undefined };
}

export async function createTestContext(options: TestContextOptions = {}): Promise<TestContext> {
  const database = options.databaseUrl
    ? await givenDatabase(options.databaseUrl)
    : await createTestDatabase();
  // A Redis Cluster or Sentinel given in options.env replaces the test Redis; a cluster's prefix is a hash tag.
  const cluster = !!options.env?.REDIS_CLUSTER_NODES;
  const otherRedis = cluster || !!options.env?.REDIS_SENTINELS;
  const queuePrefix = cluster
    ? `{bt-test-${randomBytes(6).toString('hex')}}`
    : `bt-test-${randomBytes(6).toString('hex')}`;
  const config: Readonly<Config> = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    REDIS_URL: options.queueBackend === 'postgres' || otherRedis ? '' : TEST_REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Tests drive the API hard from one token; the rate limit has its own test.
    RATE_LIMIT_PER_MINUTE: '0',
    SLACK_RATE_LIMIT_PER_MINUTE: '0',
    LOG_FORMAT: 'json',
    PUBLIC_URL: 'http://buildtrace.test',
    STORAGE_DIR: join(tmpdir(), `${database.name}-files`),
    ...options.env,
  });
  const log = pino({ level: config.log.level });
  // The app's own assembly (as src/main/bootstrap.ts builds it), over this file's database. Its
  // reconciler is the one a worker process runs, not started: tests run passes when they want one.
  const runtime = assembleRuntime(config, log, createDb({ url: database.url, poolMax: 8 }), database.url);
  const { close: closeRuntime, ...app } = runtime;

  const tokens = {} as Record<Role, string>;
  for (const role of ['viewer', 'operator', 'admin'] as const) {
    tokens[role] = (await execute(app, createToken, SYSTEM_ACTOR, { name: `test-${role}`, role })).token;
  }

  // Slack is mounted (as in src/main/services.ts) when the options' env configures it.
  const slack = createSlack(runtime);
  const server = createServer(
    createApp(runtime, { rawRouters: slack?.router ? [{ path: '/slack', router: slack.router }] : [] }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  await slack?.start();

  return {
    ...app,
    databaseName: database.name,
    queuePrefix,
    tokens,
    url,
    server,
    async api(method, path, { role = 'admin', body, headers = {} } = {}) {
      const init: RequestInit = { method, headers: { ...headers } };
      if (role) (init.headers as Record<string, string>).authorization = `Bearer ${tokens[role]}`;
      if (body !== undefined) {
        if (typeof body === 'string') init.body = body;
        else {
          init.body = JSON.stringify(body);
          (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
        }
      }
      const res = await fetch(`${url}${path}`, init);
      const text = await res.text();
      let parsed: Record<string, unknown> = {};
      try {
        parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        parsed = {};
      }
      return { status: res.status, headers: res.headers, body: parsed, text };
    },
    async close() {
      await slack?.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await closeRuntime();
      if (config.redis?.topology === 'single') await deleteRedisKeys(TEST_REDIS_URL, queuePrefix);
      await database.drop();
      await rm(config.storageDir, { recursive: true, force: true });
    },
  };
}

/**
 * A fingerprint of every row the application keeps (ignoring token last-use times), to prove a
 * rejected request changed nothing.
 */
export async function databaseFingerprint(ctx: Pick<AppContext, 'db'>): Promise<string> {
  const tables = (await ctx
    .db('pg_tables')
    .where({ schemaname: 'public' })
    // Rate-limit counts (and Slack's seen requests) are counted for refused requests too.
    .whereNotIn('tablename', ['knex_migrations', 'knex_migrations_lock', 'rate_limit_counts'])
    .pluck('tablename')) as string[];
  const parts: string[] = [];
  for (const table of tables.sort()) {
    // Token use times and the relay's bookkeeping change in the background, not by a request.
    const projection =
      table === 'api_tokens'
        ? `(t.id, t.name, t.role, t.token_hash, t.revoked_at)`
        : table === 'events'
          ? `(t.id, t.type, t.stream, t.sequence, t.data)`
          : table === 'job_outbox'
            ? `(t.id, t.name, t.job_id, t.data)`
            : 't';
    const row = (await ctx.db.raw(
      `SELECT count(*) AS n, md5(coalesce(string_agg(${projection}::text, '|' ORDER BY ${projection}::text), '')) AS h FROM "${table}" t`,
    )) as {
      rows: { n: number; h: string }[];
    };
    parts.push(`${table}:${row.rows[0]!.n}:${row.rows[0]!.h}`);
  }
  // A refused request that ran into a rolled-back insert leaves the rows as they were but has used
  // up an ID code or a row id: sequences are part of "unchanged".
  const sequences = (await ctx.db.raw(
    `SELECT sequencename AS name, last_value AS value FROM pg_sequences WHERE schemaname = 'public' ORDER BY sequencename`,
  )) as { rows: { name: string; value: string | null }[] };
  for (const s of sequences.rows) parts.push(`sequence ${s.name}:${s.value ?? '-'}`);
  return parts.join('\n');
}
