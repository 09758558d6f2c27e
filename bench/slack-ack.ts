/**
 * Slack acknowledgement latency: `npx tsx bench/slack-ack.ts [--rate=200] [--seconds=30]`.
 *
 * Starts the `web` process (src/main/web.ts, as the Procfile does) against a fresh, migrated
 * database on TEST_DATABASE_URL, then sends correctly signed slash commands — alternately
 * `/build status <build>` and `/lot <device>`, each with its own trigger_id — at a fixed rate
 * (open loop: requests leave on schedule whether or not earlier ones were answered, and latency is
 * counted from the scheduled moment, so a stall is not hidden) over keep-alive connections, and
 * reports the ack latency: scheduled send → complete HTTP 200 response. The work after each ack (run
 * the command as the Slack user, queue the answer) happens in the same process, so it competes with
 * the acks as in production; no worker runs, so nothing is sent to Slack.
 *
 * Floor, measured in the same run at the same rate: GET /healthz (no signature, no database).
 * Load generator: node:http with a keep-alive agent (autocannon is not installed; wrk would not sign
 * each request). Goal: p99 < 50 ms.
 */
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { execute } from '../src/commands/define.ts';
import { createBuild } from '../src/commands/builds.ts';
import { receiveStock } from '../src/commands/lots.ts';
import { createPart } from '../src/commands/parts.ts';
import { createProject } from '../src/commands/projects.ts';
import { setSlackUserRole } from '../src/commands/slack-users.ts';
import { createDb } from '../src/db/knex.ts';
import { migrateLatest } from '../src/db/migrate.ts';
import { knexUnitOfWork } from '../src/db/unit-of-work.ts';
import { SYSTEM_ACTOR } from '../src/domain/roles.ts';
import { localFileStore } from '../src/storage/local-files.ts';

const GOAL_P99_MS = 50;
/** The web process's Slack limit per sending address (0: none); see the printed note. */
const SLACK_RATE_LIMIT = 0;
const SECRET = 'bench-signing-secret';
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function arg(name: string, fallback: number): number {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? Number(found.split('=')[1]) : fallback;
}
const RATE = arg('rate', 200);
const SECONDS = arg('seconds', 30);

async function admin(sql: string) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A migrated database with a completed 20-unit tracked build and an operator in Slack. */
async function prepare(url: string): Promise<{ build: string; device: string }> {
  const db = createDb({ url, poolMax: 4 });
  try {
    await migrateLatest(db);
    const deps = { uow: knexUnitOfWork(db, localFileStore(join(tmpdir(), 'bt-bench-files'))) };
    const part = await execute(deps, createPart, SYSTEM_ACTOR, { name: 'R 10k' });
    await execute(deps, receiveStock, SYSTEM_ACTOR, { part: part.code, quantity: 1000 });
    const project = await execute(deps, createProject, SYSTEM_ACTOR, {
      name: 'Bench board',
      lines: [{ part: part.code, quantity: 1 }],
    });
    const { build } = await execute(deps, createBuild, SYSTEM_ACTOR, {
      project: project.code,
      quantity: 20,
      start: false,
    });
    const lot = await execute(deps, receiveStock, SYSTEM_ACTOR, { part: part.code, quantity: 1 });
    await execute(deps, setSlackUserRole, SYSTEM_ACTOR, { user: 'U0BENCH', role: 'operator' });
    return { build: build.code, device: lot.code };
  } finally {
    await db.destroy();
  }
}

interface Result {
  latencies: number[];
  non200: number;
  errors: number;
}

/** Sends `total` requests at `rate` per second on schedule; latency counts from the scheduled time. */
async function paced(
  rate: number,
  seconds: number,
  send: (i: number, done: (status: number | null) => void) => void,
): Promise<Result> {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const latencies: number[] = [];
  let non200 = 0;
  let errors = 0;
  let finished = 0;
  let sent = 0;
  const start = performance.now() + 20;
  let allDone!: () => void;
  const over = new Promise<void>((r) => (allDone = r));
  while (sent < total) {
    const now = performance.now();
    while (sent < total && start + sent * interval <= now) {
      const scheduled = start + sent * interval;
      send(sent++, (status) => {
        latencies.push(performance.now() - scheduled);
        if (status === null) errors++;
        else if (status !== 200) non200++;
        if (++finished === total) allDone();
      });
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await over;
  return { latencies, non200, errors };
}

function stats(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const p = (q: number) =>
    Number(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!.toFixed(1));
  return {
    p50Ms: p(0.5),
    p90Ms: p(0.9),
    p99Ms: p(0.99),
    maxMs: Number(sorted[sorted.length - 1]!.toFixed(1)),
  };
}

const name = `bt_bench_slack_${randomBytes(4).toString('hex')}`;
await admin(`CREATE DATABASE "${name}"`);
const dbUrl = new URL(ADMIN_URL);
dbUrl.pathname = `/${name}`;
const port = await freePort();
let web: ReturnType<typeof spawn> | undefined;
try {
  const { build, device } = await prepare(dbUrl.toString());
  web = spawn(process.execPath, ['--import', 'tsx', 'src/main/web.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      DATABASE_URL: dbUrl.toString(),
      REDIS_URL,
      QUEUE_PREFIX: `bench-${randomBytes(4).toString('hex')}`,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: 'xoxb-bench',
      // One load generator is one address: measure the ack path, not the per-address limit.
      SLACK_RATE_LIMIT_PER_MINUTE: String(SLACK_RATE_LIMIT),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (
      await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 300) throw new Error('the web process did not start');
    await new Promise((r) => setTimeout(r, 100));
  }

  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const request = (
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    done: (status: number | null) => void,
  ) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? null));
    });
    req.on('error', () => done(null));
    req.end(body);
  };
  const slashCommand = (i: number, done: (status: number | null) => void) => {
    const body = new URLSearchParams({
      team_id: 'T0001',
      channel_id: 'C0BENCH',
      user_id: 'U0BENCH',
      command: i % 2 === 0 ? '/build' : '/lot',
      text: i % 2 === 0 ? `status ${build}` : device,
      response_url: 'http://127.0.0.1:9/respond/bench',
      trigger_id: `${i}.${randomBytes(6).toString('hex')}`,
    }).toString();
    const ts = Math.floor(Date.now() / 1000);
    const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
    request(
      'POST',
      '/slack/events',
      {
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': String(Buffer.byteLength(body)),
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': signature,
      },
      body,
      done,
    );
  };

  // Warm-up (connections, JIT, pools), not counted.
  await paced(Math.min(RATE, 100), 3, slashCommand);
  const floor = await paced(RATE, Math.min(SECONDS, 10), (_i, done) =>
    request('GET', '/healthz', {}, undefined, done),
  );
  const ours = await paced(RATE, SECONDS, slashCommand);

  // The work after each ack happened too: every command queued its answer.
  const answers = createDb({ url: dbUrl.toString(), poolMax: 1 });
  const expected = Math.round(RATE * SECONDS) + Math.round(Math.min(RATE, 100) * 3);
  let queued = 0;
  for (let i = 0; i < 100; i++) {
    queued = Number(
      (
        (await answers('job_outbox').where({ name: 'notify.respond' }).count({ n: '*' })) as { n: string }[]
      )[0]!.n,
    );
    if (queued >= expected) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await answers.destroy();
  agent.destroy();

  const s = stats(ours.latencies);
  const f = stats(floor.latencies);
  const pass = s.p99Ms < GOAL_P99_MS && ours.non200 === 0 && ours.errors === 0;
  console.log(`signed slash commands: ${ours.latencies.length} at ${RATE}/s for ${SECONDS} s`);
  console.log(
    `  SLACK_RATE_LIMIT_PER_MINUTE=${SLACK_RATE_LIMIT} (no limit) for this run: the limit is per sending address, and this generator is one address`,
  );
  console.log(`  ack latency p50 ${s.p50Ms} ms · p90 ${s.p90Ms} ms · p99 ${s.p99Ms} ms · max ${s.maxMs} ms`);
  console.log(
    `  non-200: ${ours.non200} · errors: ${ours.errors} · answers queued after the acks: ${queued}/${expected}`,
  );
  console.log(`floor GET /healthz at ${RATE}/s: p50 ${f.p50Ms} ms · p99 ${f.p99Ms} ms`);
  console.log(`goal p99 < ${GOAL_P99_MS} ms: ${pass ? 'met' : 'NOT met'}`);
  console.log(
    JSON.stringify({
      bench: 'slack-ack',
      rate: RATE,
      seconds: SECONDS,
      requests: ours.latencies.length,
      ...s,
      non200: ours.non200,
      errors: ours.errors,
      answersQueued: queued,
      floor: { path: '/healthz', ...f },
      ratioP99: Number((s.p99Ms / f.p99Ms).toFixed(2)),
      goalP99Ms: GOAL_P99_MS,
      slackRateLimitPerMinute: SLACK_RATE_LIMIT,
      pass,
    }),
  );
} finally {
  if (web && web.exitCode === null) {
    web.kill('SIGTERM');
    await new Promise((r) => web!.once('exit', r));
  }
  await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}
