/**
 * Slack acknowledgement latency: `npx tsx bench/slack-ack.ts [--rate=200] [--seconds=30]`.
 *
 * Starts the `web` and `worker` processes (compiled, from dist/, as the Procfile
 * does) against a fresh, migrated database on TEST_DATABASE_URL, then sends correctly signed slash
 * commands — alternately `/build status <build>` and `/lot <device>`, each with its own trigger_id and
 * response_url — at a fixed rate (open loop: requests leave on schedule whether or not earlier ones
 * were answered, and latency is counted from the scheduled moment, so a stall is not hidden) over
 * keep-alive connections, and reports two figures:
 *
 * - the ack latency: scheduled send → complete HTTP 200 response. The web process verifies, parses
 *   and acks, then hands the request to the workers (one `slack.answer` queue add, after the
 *   response); goal p99 < 50 ms.
 * - the work after the ack, on its own row: ack → the answer's POST arriving at the request's
 *   response_url (a receiver in this process stands in for Slack). The worker runs the command as
 *   the Slack user and queues the answer (`notify.respond`), which it then posts. Reported: p50/p99
 *   and answers per second; goal: nothing lost — every request answered while its response_url is
 *   good (Slack accepts it for 30 min).
 *
 * All of it shares this machine's cores, as a web and a worker on separate hosts would not: the
 * worker runs at `nice 10` (BENCH_WORKER_NICE), yielding the CPU to the web process as it should on
 * a shared host; the database and Redis it loads are not niced. `--no-worker` measures the acks
 * alone (the answers row then fails: nothing answers).
 *
 * Floor, measured in the same run at the same rate: GET /healthz (no signature, no database).
 * Load generator: node:http with a keep-alive agent (autocannon is not installed; wrk would not sign
 * each request).
 */
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { adminQuery, arg, compiledEntry, freePort } from './shared.ts';
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
/**
 * The work after the ack is reported on its own; its goal is that nothing is lost: every request is
 * answered at its response_url while Slack still accepts it (30 min after the request).
 */
const ANSWER_GOAL_MS = 25 * 60_000;
/** The worker shares this machine's cores with the web process: it yields to it (see the note). */
const WORKER_NICE = Number(process.env.BENCH_WORKER_NICE ?? 10);
/** The web process's Slack limit per sending address (0: none); see the printed note. */
const SLACK_RATE_LIMIT = 0;
const SECRET = 'bench-signing-secret';
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const RATE = arg('rate', 200);
const SECONDS = arg('seconds', 30);

const admin = (sql: string) => adminQuery(ADMIN_URL, sql);

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
const children: ReturnType<typeof spawn>[] = [];
/** When each answer reached its response_url (performance.now(), by request name). */
const answeredAt = new Map<string, number>();
const receiver = http.createServer((req, res) => {
  const name = (req.url ?? '').slice('/respond/'.length);
  req.resume();
  req.on('end', () => {
    if (!answeredAt.has(name)) answeredAt.set(name, performance.now());
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const receiverPort = (receiver.address() as { port: number }).port;
try {
  const { build, device } = await prepare(dbUrl.toString());
  const queuePrefix = `bench-${randomBytes(4).toString('hex')}`;
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'production',
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_BOT_TOKEN: 'xoxb-bench',
    // One load generator is one address: measure the ack path, not the per-address limit.
    SLACK_RATE_LIMIT_PER_MINUTE: String(SLACK_RATE_LIMIT),
  };
  const start = (entry: 'web' | 'worker', nice: number) =>
    children.push(
      spawn('nice', ['-n', String(nice), process.execPath, ...compiledEntry(entry)], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'inherit', 'inherit'],
      }),
    );
  start('web', 0);
  if (!process.argv.includes('--no-worker')) start('worker', WORKER_NICE);
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
  /** When each ack completed (performance.now(), by request name). */
  const ackedAt = new Map<string, number>();
  const slashCommand = (phase: string) => (i: number, done: (status: number | null) => void) => {
    const name = `${phase}-${i}`;
    const body = new URLSearchParams({
      team_id: 'T0001',
      channel_id: 'C0BENCH',
      user_id: 'U0BENCH',
      command: i % 2 === 0 ? '/build' : '/lot',
      text: i % 2 === 0 ? `status ${build}` : device,
      response_url: `http://127.0.0.1:${receiverPort}/respond/${name}`,
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
      (status) => {
        ackedAt.set(name, performance.now());
        done(status);
      },
    );
  };

  // Warm-up (connections, JIT, pools), not counted.
  await paced(Math.min(RATE, 100), 3, slashCommand('warmup'));
  const floor = await paced(RATE, Math.min(SECONDS, 10), (_i, done) =>
    request('GET', '/healthz', {}, undefined, done),
  );
  const ours = await paced(RATE, SECONDS, slashCommand('run'));

  // The work after each ack: every measured command is answered at its response_url.
  const expected = Math.round(RATE * SECONDS);
  const measured = () => [...ackedAt.keys()].filter((k) => k.startsWith('run-'));
  const answeredCount = () => measured().filter((k) => answeredAt.has(k)).length;
  for (let i = 0, last = -1, still = 0; answeredCount() < expected && still < 300; i++) {
    const now = answeredCount();
    still = now === last ? still + 1 : 0;
    last = now;
    await new Promise((r) => setTimeout(r, 100));
  }
  const answerLatencies = measured()
    .filter((k) => answeredAt.has(k))
    .map((k) => answeredAt.get(k)! - ackedAt.get(k)!);
  const answered = answerLatencies.length;
  // How fast the worker answered: measured answers over the time from the first ack to the last answer.
  const runAcks = measured().map((k) => ackedAt.get(k)!);
  const runAnswers = measured()
    .filter((k) => answeredAt.has(k))
    .map((k) => answeredAt.get(k)!);
  const answerSpanS =
    runAnswers.length > 0 ? (Math.max(...runAnswers) - Math.min(...runAcks)) / 1000 : Number.NaN;
  const answersPerSecond = Number((answered / answerSpanS).toFixed(1));
  agent.destroy();

  const s = stats(ours.latencies);
  const f = stats(floor.latencies);
  const a = answered > 0 ? stats(answerLatencies) : { p50Ms: NaN, p90Ms: NaN, p99Ms: NaN, maxMs: NaN };
  const pass = s.p99Ms < GOAL_P99_MS && ours.non200 === 0 && ours.errors === 0;
  const answersPass = answered === expected && a.maxMs < ANSWER_GOAL_MS;
  console.log(`signed slash commands: ${ours.latencies.length} at ${RATE}/s for ${SECONDS} s`);
  console.log(
    `  SLACK_RATE_LIMIT_PER_MINUTE=${SLACK_RATE_LIMIT} (no limit) for this run: the limit is per sending address, and this generator is one address`,
  );
  console.log(`  ack latency p50 ${s.p50Ms} ms · p90 ${s.p90Ms} ms · p99 ${s.p99Ms} ms · max ${s.maxMs} ms`);
  console.log(`  non-200: ${ours.non200} · errors: ${ours.errors}`);
  console.log(
    `  work after the ack (worker: ack → answer at response_url): p50 ${a.p50Ms} ms · p90 ${a.p90Ms} ms · p99 ${a.p99Ms} ms · max ${a.maxMs} ms · answered ${answered}/${expected}, ${answersPerSecond}/s`,
  );
  console.log(`floor GET /healthz at ${RATE}/s: p50 ${f.p50Ms} ms · p99 ${f.p99Ms} ms`);
  console.log(`goal ack p99 < ${GOAL_P99_MS} ms: ${pass ? 'met' : 'NOT met'}`);
  console.log(
    `goal every request answered while its response_url is good (< ${ANSWER_GOAL_MS / 60_000} min): ${answersPass ? 'met' : 'NOT met'}`,
  );
  console.log(
    JSON.stringify({
      bench: 'slack-ack',
      rate: RATE,
      seconds: SECONDS,
      requests: ours.latencies.length,
      ...s,
      non200: ours.non200,
      errors: ours.errors,
      answer: { ...a, answered, expected, answersPerSecond, goalMaxMs: ANSWER_GOAL_MS, pass: answersPass },
      floor: { path: '/healthz', ...f },
      ratioP99: Number((s.p99Ms / f.p99Ms).toFixed(2)),
      goalP99Ms: GOAL_P99_MS,
      slackRateLimitPerMinute: SLACK_RATE_LIMIT,
      pass,
    }),
  );
} finally {
  for (const child of children)
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  receiver.close();
  await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}
