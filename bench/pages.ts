/**
 * Signed-in scan pages: `npx tsx bench/pages.ts [--rate=50] [--seconds=10]`.
 *
 * Starts the `web` and `worker` processes (compiled, from dist/, as the Procfile
 * does) against a fresh, migrated database on TEST_DATABASE_URL and Redis, makes a tracked build of
 * a few units of a project with a 3-line BOM through the API and the worker, signs in a person
 * (a Slack sign-in link, used) and a scan station (an operator token, a kiosk session), and measures
 * on loopback, open loop (requests leave on schedule whether or not earlier ones were answered;
 * latency counts from the scheduled moment, so a stall is not hidden), each at `--rate` per second
 * for `--seconds`:
 *
 * - the device page: GET /id/<unit code> with the person's session cookie; p50/p95/p99, goal
 *   p95 < 50 ms.
 * - the station scan round trip a browser without JavaScript makes: POST /station/test/scan
 *   (`_csrf`, `scan` = a unit's code: the build's other units round-robin, each scan records a test
 *   result) → 303 → GET /station/test, both requests in one figure; goal p95 < 100 ms.
 * - the floor, the same rate and duration: GET /healthz (no session, no database).
 * - the device page's weight: the HTML and /assets/pages.css, uncompressed; goal ≤ 100 KB.
 *
 * Also printed: each request's time one at a time on an otherwise idle server (p50 of 30), which is
 * what the open-loop figures are made of before any queueing; and the web process's CPU time per
 * request during each run, and that of the database's PostgreSQL backends (/proc/<pid>/stat), with
 * the machine's load average: on a shared machine the open-loop figures say as much about it. BENCH_DEBUG=knex:query prints the
 * web process's SQL (to count a page's queries).
 *
 * The worker runs at `nice 10` (BENCH_WORKER_NICE), as in bench/slack-ack.ts: it only relays the
 * events the scans write. Load generator: node:http with a keep-alive agent.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { execute } from '../src/commands/define.ts';
import { createSignInLink, signInWithLink, signInWithToken } from '../src/commands/sessions.ts';
import { createToken } from '../src/commands/tokens.ts';
import { createDb } from '../src/db/knex.ts';
import { migrateLatest } from '../src/db/migrate.ts';
import { knexUnitOfWork } from '../src/db/unit-of-work.ts';
import { SYSTEM_ACTOR } from '../src/domain/roles.ts';
import { localFileStore } from '../src/storage/local-files.ts';
import {
  adminQuery,
  arg,
  compiledEntry,
  deleteRedisKeys,
  freePort,
  paced,
  sleep,
  stats,
  type Result,
} from './shared.ts';

const GOAL = { deviceP95Ms: 50, scanP95Ms: 100, weightBytes: 100 * 1024 };
const UNITS = 5;
const WORKER_NICE = Number(process.env.BENCH_WORKER_NICE ?? 10);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const RATE = arg('rate', 50);
const SECONDS = arg('seconds', 10);

const admin = (sql: string) => adminQuery(ADMIN_URL, sql);

const name = `bt_bench_pages_${randomBytes(4).toString('hex')}`;
const dbUrl = new URL(ADMIN_URL);
dbUrl.pathname = `/${name}`;
const storageDir = join(tmpdir(), name);
const queuePrefix = `bt-bench-${randomBytes(4).toString('hex')}`;
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const children: ReturnType<typeof spawn>[] = [];
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
await admin(`CREATE DATABASE "${name}"`);
const db = createDb({ url: dbUrl.toString(), poolMax: 2 });
try {
  await migrateLatest(db);
  const deps = { uow: knexUnitOfWork(db, localFileStore(storageDir)) };
  const adminToken = (await execute(deps, createToken, SYSTEM_ACTOR, { name: 'bench-admin', role: 'admin' }))
    .token;
  const stationToken = (
    await execute(deps, createToken, SYSTEM_ACTOR, { name: 'test-station', role: 'operator' })
  ).token;

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
    STORAGE_DIR: storageDir,
    METRICS_PORT: '0',
    RATE_LIMIT_PER_MINUTE: '0',
    PUBLIC_URL: base,
    DEBUG: process.env.BENCH_DEBUG ?? '',
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
  start('worker', WORKER_NICE);
  for (let i = 0; ; i++) {
    if (
      await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 300) throw new Error('the web process did not start');
    await sleep(100);
  }

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  // A tracked build of a few units of a 3-line BOM, through the API and the worker.
  const lines = [];
  for (const [part, quantity] of [
    ['MCU STM32G0', 1],
    ['LDO 3.3 V', 1],
    ['Resistor 10k', 4],
  ] as const) {
    const created = await api('POST', '/parts', { name: part });
    await api('POST', '/lots', { part: created.code, quantity: 1000, supplier: 'DigiKey' });
    lines.push({ part: created.code as string, quantity });
  }
  const project = await api('POST', '/projects', {
    name: 'Bench sensor',
    serialFormat: 'BS-{seq:04}',
    lines,
  });
  const created = await api('POST', '/builds', { project: project.code, quantity: UNITS, trackUnits: true });
  const build = (created.build as { code: string }).code;
  for (let i = 0; ; i++) {
    const row = await db('builds').where({ code: build }).first('units_generated', 'start_error');
    if (row.units_generated === UNITS) break;
    if (row.start_error) throw new Error(JSON.stringify(row.start_error));
    if (i > 600) throw new Error('the build did not generate its units');
    await sleep(50);
  }
  const units: string[] = [];
  for (let serial = 1; serial <= UNITS; serial++)
    units.push((await api('GET', `/builds/${build}/units/${serial}`)).code as string);
  // The device page's unit; the station scans the others (each scan adds to a unit's history).
  const [device, ...scanned] = units as [string, ...string[]];

  // A person signed in from Slack (operator), and the test station's kiosk session.
  const link = await execute(deps, createSignInLink, { name: 'slack:U0BENCH', role: 'operator' }, {});
  const person = await execute(deps, signInWithLink, SYSTEM_ACTOR, { secret: link.secret });
  const kiosk = await execute(deps, signInWithToken, SYSTEM_ACTOR, { token: stationToken });
  const personCookie = `bt_session=${person.secret}`;
  const kioskCookie = `bt_session=${kiosk.secret}`;

  /** One request; resolves with its status and body size once the body has been read. */
  const request = (
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<{ status: number; bytes: number; location?: string }> =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            bytes,
            ...(res.headers.location ? { location: res.headers.location } : {}),
          }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  const form = (fields: Record<string, string>) => {
    const body = new URLSearchParams(fields).toString();
    return {
      body,
      headers: {
        cookie: kioskCookie,
        origin: base,
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': String(Buffer.byteLength(body)),
      },
    };
  };

  const settings = form({
    _csrf: kiosk.session.csrfSecret,
    test: 'FCT',
    passed: 'true',
    station: 'FCT-1',
    measurements: 'vcc_mV=3301, idle_uA=12',
  });
  const set = await request('POST', '/station/test/settings', settings.headers, settings.body);
  if (set.status !== 303) throw new Error(`station settings: ${set.status}`);

  // The page measured is the signed-in one (PAGES_PUBLIC is on: a cookie not taken would still get
  // a 200, the public view): its forms carry the person's CSRF secret.
  const signedInPage = await fetch(`${base}/id/${device}`, { headers: { cookie: personCookie } });
  if (!(await signedInPage.text()).includes(person.session.csrfSecret))
    throw new Error(`GET /id/${device} with the session cookie is not the signed-in page`);

  const healthz = async () => (await request('GET', '/healthz', {})).status === 200;
  const devicePage = async () =>
    (await request('GET', `/id/${device}`, { cookie: personCookie })).status === 200;
  const scan = async (i: number) => {
    const post = form({ _csrf: kiosk.session.csrfSecret, scan: scanned[i % scanned.length]! });
    const posted = await request('POST', '/station/test/scan', post.headers, post.body);
    if (posted.status !== 303 || !posted.location) return false;
    const page = await request('GET', posted.location, { cookie: kioskCookie });
    return page.status === 200;
  };
  const scansBefore = Number(
    (await db('history_events').where({ kind: 'test_result' }).count({ n: '*' }).first())!.n,
  );

  // Warm-up (connections, JIT, pools), not counted; then the floor and the two pages in turn.
  const warmSeconds = 1;
  await paced(RATE, warmSeconds, healthz);
  await paced(RATE, warmSeconds, devicePage);
  await paced(RATE, warmSeconds, scan);
  // The time one request takes when it has the server to itself (one at a time, after the warm-up):
  // what the open-loop figures are made of before any queueing.
  const alone = async (task: (i: number) => Promise<boolean>) => {
    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      await task(i);
      times.push(performance.now() - t0);
    }
    return stats(times).p50Ms;
  };
  const aloneMs = { healthz: await alone(healthz), device: await alone(devicePage), scan: await alone(scan) };
  // The web process's CPU time over a run (/proc: utime + stime, in clock ticks of 10 ms), per request.
  const webPid = children[0]!.pid!;
  const cpuOf = async (pid: number) => {
    try {
      const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      return 0; // gone
    }
  };
  /** CPU ms of this database's PostgreSQL backends (one per pooled connection), by pid. */
  const backendsCpu = async () => {
    const pids = (
      await db.raw<{ rows: { pid: number }[] }>(
        'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      )
    ).rows.map((r) => r.pid);
    return new Map(await Promise.all(pids.map(async (pid) => [pid, await cpuOf(pid)] as const)));
  };
  const perRequest = (ms: number, r: Result) => Number((ms / r.latencies.length).toFixed(1));
  const cpuPerRequest = async (run: () => Promise<Result>) => {
    const web = await cpuOf(webPid);
    const pgBefore = await backendsCpu();
    const result = await run();
    const webMs = (await cpuOf(webPid)) - web;
    let pgMs = 0;
    for (const [pid, ms] of await backendsCpu()) pgMs += ms - (pgBefore.get(pid) ?? 0);
    return { result, web: perRequest(webMs, result), postgres: perRequest(pgMs, result) };
  };
  const { result: floor, ...floorCpu } = await cpuPerRequest(() => paced(RATE, SECONDS, healthz));
  const { result: pageRun, ...deviceCpu } = await cpuPerRequest(() => paced(RATE, SECONDS, devicePage));
  // Weight: the device page's HTML and its stylesheet, as served (uncompressed).
  const html = await request('GET', `/id/${device}`, { cookie: personCookie });
  const css = await request('GET', '/assets/pages.css', {});
  const weightBytes = html.bytes + css.bytes;
  const { result: scanRun, ...scanCpu } = await cpuPerRequest(() => paced(RATE, SECONDS, scan));
  const recorded =
    Number((await db('history_events').where({ kind: 'test_result' }).count({ n: '*' }).first())!.n) -
    scansBefore;
  const expectedScans = Math.round(RATE * warmSeconds) + 30 + Math.round(RATE * SECONDS);

  const f = stats(floor.latencies);
  const d = stats(pageRun.latencies);
  const s = stats(scanRun.latencies);
  const ratio = (ms: number, floorMs: number) => Number((ms / floorMs).toFixed(1));
  const devicePass = d.p95Ms < GOAL.deviceP95Ms && pageRun.unexpected + pageRun.errors === 0;
  const scanPass =
    s.p95Ms < GOAL.scanP95Ms && scanRun.unexpected + scanRun.errors === 0 && recorded === expectedScans;
  const weightPass = weightBytes <= GOAL.weightBytes;
  const count = RATE * SECONDS;
  const row = (label: string, r: Result, x: ReturnType<typeof stats>, goal: string) =>
    `${label.padEnd(52)}${String(x.p50Ms).padStart(8)}${String(x.p95Ms).padStart(8)}${String(x.p99Ms).padStart(8)}${String(x.maxMs).padStart(8)}  ${String(r.unexpected + r.errors).padStart(4)}  ${goal}`;
  console.log(
    `signed-in pages: ${count} requests each at ${RATE}/s for ${SECONDS} s (open loop), web + worker processes, loopback; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${availableParallelism()} cores`,
  );
  console.log(
    `${'ms'.padEnd(52)}${'p50'.padStart(8)}${'p95'.padStart(8)}${'p99'.padStart(8)}${'max'.padStart(8)}  bad   goal`,
  );
  console.log(row('floor: GET /healthz', floor, f, '—'));
  console.log(
    row(`device page (${UNITS}-unit build, 3-line BOM), signed in`, pageRun, d, `p95 < ${GOAL.deviceP95Ms}`),
  );
  console.log(
    row('station scan: POST /station/test/scan → 303 → GET', scanRun, s, `p95 < ${GOAL.scanP95Ms}`),
  );
  console.log(
    `one request at a time (p50 of 30, server otherwise idle): healthz ${aloneMs.healthz} ms, device page ${aloneMs.device} ms, scan round trip ${aloneMs.scan} ms`,
  );
  console.log(
    `CPU per request during the runs, web process + PostgreSQL backends: healthz ${floorCpu.web} + ${floorCpu.postgres} ms, device page ${deviceCpu.web} + ${deviceCpu.postgres} ms, scan round trip ${scanCpu.web} + ${scanCpu.postgres} ms (${RATE} device pages/s need ${((RATE * (deviceCpu.web + deviceCpu.postgres)) / 1000).toFixed(2)} of a core; this machine has ${availableParallelism()})`,
  );
  console.log(`test results recorded by the scans: ${recorded} of ${expectedScans} (warm-up included)`);
  console.log(
    `device page weight: ${html.bytes} B HTML + ${css.bytes} B pages.css = ${(weightBytes / 1024).toFixed(1)} KB (goal ≤ ${GOAL.weightBytes / 1024} KB, uncompressed)`,
  );
  console.log(
    `ratio to the floor (p95): device page ${ratio(d.p95Ms, f.p95Ms)}, scan round trip ${ratio(s.p95Ms, f.p95Ms)}`,
  );
  console.log(devicePass && scanPass && weightPass ? 'PASS' : 'FAIL');
  console.log(
    JSON.stringify({
      bench: 'pages',
      rate: RATE,
      seconds: SECONDS,
      floor: { path: '/healthz', ...f },
      device: {
        ...d,
        unexpected: pageRun.unexpected,
        errors: pageRun.errors,
        ratioP95: ratio(d.p95Ms, f.p95Ms),
        pass: devicePass,
      },
      scan: {
        ...s,
        unexpected: scanRun.unexpected,
        errors: scanRun.errors,
        recorded,
        expected: expectedScans,
        ratioP95: ratio(s.p95Ms, f.p95Ms),
        pass: scanPass,
      },
      weight: { htmlBytes: html.bytes, cssBytes: css.bytes, bytes: weightBytes, pass: weightPass },
      aloneP50Ms: aloneMs,
      loadAverage: Number(loadavg()[0]!.toFixed(1)),
      cpuMsPerRequest: { healthz: floorCpu, device: deviceCpu, scan: scanCpu },
      goal: GOAL,
      pass: devicePass && scanPass && weightPass,
    }),
  );
  if (!(devicePass && scanPass && weightPass)) process.exitCode = 1;
} finally {
  agent.destroy();
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  await db.destroy();
  await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await rm(storageDir, { recursive: true, force: true });
  await deleteRedisKeys(REDIS_URL, queuePrefix);
}
