/**
 * The read replica (`DATABASE_READ_URL`, #19), against a real streaming replica: a private primary
 * and a hot standby cloned from it with `pg_basebackup -R`, both on loopback. Migrations and writes
 * go to the primary. To prove where a read was answered, replay on the standby is paused
 * (`pg_wal_replay_pause()`): what the primary wrote since is missing there. A scan page and a trace
 * are the replica's (they show the state from before the pause); a single resource by the API, an
 * API write's own answer, and the page a person sees after their own action are the primary's.
 * A replica further behind than DATABASE_READ_MAX_LAG_MS, or away, is left alone: reads go to the
 * primary and /readyz says so while staying ready.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createReadReplica, type ReadReplica } from '../../src/db/replica.ts';
import { knexUnitOfWork } from '../../src/db/unit-of-work.ts';
import { factories } from '../factories.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { startPrivatePostgres, startStandby, type PrivatePostgres } from '../helpers/postgres-server.ts';

let primary: PrivatePostgres;
let standby: PrivatePostgres;
let standbyClient: pg.Client;
let ctx: TestContext;
let laggy: ReadReplica | undefined;

beforeAll(async () => {
  primary = await startPrivatePostgres();
  standby = await startStandby(primary);
  standbyClient = new pg.Client({ connectionString: standby.url });
  // Its connection ends with the standby, in the last test.
  standbyClient.on('error', () => undefined);
  await standbyClient.connect();
  // Lag allowed long enough that the paused replica stays in use for the proofs below.
  ctx = await createTestContext({
    databaseUrl: primary.url,
    env: { DATABASE_READ_URL: standby.url, DATABASE_READ_MAX_LAG_MS: '600000' },
  });
});
afterAll(async () => {
  await laggy?.close();
  await standbyClient?.end().catch(() => undefined);
  await ctx?.close();
  await standby?.close();
  await primary?.close();
});

/** Waits until the standby has replayed everything the primary has written so far. */
async function caughtUp(): Promise<void> {
  const { rows } = await ctx.db.raw<{ rows: { at: string }[] }>('SELECT pg_current_wal_lsn()::text AS at');
  for (let i = 0; i < 200; i++) {
    const replayed = await standbyClient.query<{ done: boolean }>(
      'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done',
      [rows[0]!.at],
    );
    if (replayed.rows[0]!.done) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the standby did not catch up');
}

async function pauseReplay(): Promise<void> {
  await standbyClient.query('SELECT pg_wal_replay_pause()');
  for (let i = 0; i < 200; i++) {
    const { rows } = await standbyClient.query<{ state: string }>(
      'SELECT pg_get_wal_replay_pause_state() AS state',
    );
    if (rows[0]!.state === 'paused') return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('replay did not pause');
}

const cookieValue = (res: Response, name: string) =>
  res.headers
    .getSetCookie()
    .map((c) => new RegExp(`^${name}=([^;]*)`).exec(c)?.[1])
    .find((v) => v !== undefined);

/** A kiosk session signed in with the operator's token, as a scan station would. */
async function signIn(next: string): Promise<string> {
  const form = await fetch(`${ctx.url}/signin`);
  const pre = cookieValue(form, 'bt_pre')!;
  const res = await fetch(`${ctx.url}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      origin: ctx.url,
      cookie: `bt_pre=${pre}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ _csrf: pre, token: ctx.tokens.operator, next }),
  });
  expect(res.status).toBe(303);
  return cookieValue(res, 'bt_session')!;
}

const page = async (path: string, cookie: string) => {
  const res = await fetch(`${ctx.url}${path}`, { headers: { cookie } });
  return { status: res.status, html: await res.text() };
};

describe('DATABASE_READ_URL: a streaming replica', () => {
  let lot: string;
  let session: string;

  it('serves a scan page and a trace from the replica: a paused replica shows the state before the pause', async () => {
    const f = factories({ uow: ctx.uow });
    lot = (await f.lot({ quantity: 4321 })).code;
    session = await signIn(`/id/${lot}`);
    await caughtUp();
    await ctx.replica!.check();
    expect(ctx.replica!.state().state).toBe('in use');
    expect((await page(`/id/${lot}`, `bt_session=${session}`)).html).toContain('4,321');

    await pauseReplay();
    // An API write answers with what it committed: read in its own transaction, on the primary.
    const adjusted = await ctx.api('POST', `/api/v1/lots/${lot}/adjust`, {
      role: 'operator',
      body: { delta: -3, reason: 'count' },
    });
    expect(adjusted.status, adjusted.text).toBe(200);
    expect(adjusted.body.quantity).toBe(4318);
    const later = (await f.lot({ quantity: 5 })).code;

    // The page: the replica's, from before the pause.
    const stale = await page(`/id/${lot}`, `bt_session=${session}`);
    expect(stale.status).toBe(200);
    expect(stale.html).toContain('4,321');
    expect(stale.html).not.toContain('4,318');
    // The trace API: the replica does not know the lot made after the pause; the primary does.
    expect((await ctx.api('GET', `/api/v1/trace/backward/${later}`, { role: 'viewer' })).status).toBe(404);
    // A single resource by the API stays on the primary (clients read what they just wrote).
    const single = await ctx.api('GET', `/api/v1/lots/${later}`, { role: 'viewer' });
    expect(single.status, single.text).toBe(200);
    const activity = await standbyClient.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'buildtrace-reads'",
    );
    expect(activity.rows[0]!.n).toBeGreaterThan(0);
  });

  it("keeps a person's own action and the page after it on the primary (bt_fresh)", async () => {
    const before = await page(`/id/${lot}`, `bt_session=${session}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(before.html)![1]!;
    const res = await fetch(`${ctx.url}/id/${lot}/do/adjust`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        origin: ctx.url,
        cookie: `bt_session=${session}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ _csrf: csrf, delta: '-3', reason: 'count' }),
    });
    expect(res.status).toBe(303);
    const fresh = res.headers.getSetCookie().find((c) => c.startsWith('bt_fresh='));
    // DATABASE_READ_MAX_LAG_MS, rounded up, and a second more.
    expect(fresh).toBe('bt_fresh=1; Path=/; HttpOnly; SameSite=Lax; Max-Age=601');

    const after = await page(res.headers.get('location')!, `bt_session=${session}; bt_fresh=1`);
    expect(after.html).toContain('4,315');
    expect(after.html).toContain('Quantity adjusted by -3.');
    // Without the cookie the same page is the paused replica's; with it (and no message to hand
    // over, which writes the session), the primary's.
    expect((await page(`/id/${lot}`, `bt_session=${session}`)).html).toContain('4,321');
    expect((await page(`/id/${lot}`, `bt_session=${session}; bt_fresh=1`)).html).toContain('4,315');
  });

  it('leaves a replica further behind than allowed: reads go to the primary until it catches up', async () => {
    laggy = createReadReplica({
      url: standby.url,
      poolMax: 2,
      maxLagMs: 300,
      primary: ctx.db,
      log: pino({ level: 'silent' }),
      applicationName: 'buildtrace-laggy',
    });
    const uow = knexUnitOfWork(ctx.db, ctx.files, ctx.blobs, laggy);
    const later = (await factories({ uow: ctx.uow }).lot({ quantity: 7 })).code;
    await new Promise((r) => setTimeout(r, 500));
    await laggy.check();
    expect(laggy.state().state).toBe('lagging');
    expect(laggy.current()).toBeUndefined();
    // A read that may lag is answered by the primary: the lot is there.
    expect((await uow.readMayLag!((repos) => repos.lots.findByCode(later)))?.code).toBe(later);

    await standbyClient.query('SELECT pg_wal_replay_resume()');
    await caughtUp();
    await laggy.check();
    expect(laggy.state().state).toBe('in use');
    expect(laggy.current()).toBeDefined();
    expect((await page(`/id/${lot}`, `bt_session=${session}`)).html).toContain('4,315');
    expect((await ctx.api('GET', `/api/v1/trace/backward/${later}`, { role: 'viewer' })).status).toBe(200);
  });

  it('reports a replica that is away on /readyz, stays ready, and reads from the primary', async () => {
    const ready = await ctx.api('GET', '/readyz', { role: null });
    expect(ready.status).toBe(200);
    expect(ready.body.replica).toMatchObject({ state: 'in use' });

    const metrics = await ctx.api('GET', '/metrics', { role: null });
    expect(metrics.text).toMatch(/^buildtrace_db_replica_in_use 1$/m);
    expect(metrics.text).toMatch(/^buildtrace_db_replica_lag_seconds \d/m);

    await standby.stop();
    const away = await ctx.api('GET', '/readyz', { role: null });
    expect(away.status).toBe(200);
    expect(away.body.status).toBe('ready');
    expect(away.body.replica).toMatchObject({ state: 'unreachable' });
    expect((await ctx.api('GET', '/metrics', { role: null })).text).toMatch(
      /^buildtrace_db_replica_in_use 0$/m,
    );
    const served = await page(`/id/${lot}`, `bt_session=${session}`);
    expect(served.status).toBe(200);
    expect(served.html).toContain('4,315');
  });
});
