/**
 * Printing: `npx tsx bench/printing.ts [--runs=30] [--labels=2000]`.
 *
 * A worker process (compiled, from dist/, as the Procfile runs it) prints on a fake Zebra (a loopback
 * TCP printer speaking ZPL, answering ~HS and its label counter: test/helpers/fake-zpl-printer.ts)
 * against a fresh, migrated database. Two figures:
 *
 * - time to first label: `POST /labels {build, serials: "<n>", printer}` → the printer has printed
 *   that label, over `--runs` one-label runs, one after the other; p50 and p95. The path: the API
 *   writes the run and its job to the outbox, the relay hands it to the queue, the worker claims the
 *   run, lays down its print record, asks the printer for its status and label counter, records the
 *   batch as sent, sends it, and the printer prints. Goal p50 < 500 ms.
 * - labels per second to a printer that accepts at full speed: one `--labels`-label run, request →
 *   every label confirmed by the printer (batches of 50, each confirmed by ~HS and the counter before
 *   the next), against the rendering floor measured in the same run: the same labels written as ZPL
 *   in this process with nothing else (`zplLabels`). Goal ≥ 200 labels/s (a fast Zebra prints ~5).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { execute } from '../src/commands/define.ts';
import { createToken } from '../src/commands/tokens.ts';
import { loadConfig } from '../src/config/index.ts';
import { createDb } from '../src/db/knex.ts';
import { migrateLatest } from '../src/db/migrate.ts';
import { getTemplate } from '../src/domain/label-templates.ts';
import { labelUrl } from '../src/domain/labels.ts';
import { SYSTEM_ACTOR } from '../src/domain/roles.ts';
import { createApp } from '../src/http/app.ts';
import { assembleRuntime } from '../src/main/bootstrap.ts';
import { zplLabels } from '../src/printers/zpl-format.ts';
import { FakeZplPrinter } from '../test/helpers/fake-zpl-printer.ts';
import { adminQuery, compiledEntry } from './shared.ts';

const ROOT = new URL('../', import.meta.url).pathname;
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const GOAL = { firstLabelP50Ms: 500, labelsPerSecond: 200 };
const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const RUNS = arg('runs', 30);
const LABELS = arg('labels', 2000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

const admin = (sql: string) => adminQuery(ADMIN_URL, sql);

async function main() {
  const dbName = `bt_bench_print_${process.pid}_${randomBytes(3).toString('hex')}`;
  await admin(`CREATE DATABASE "${dbName}"`);
  const u = new URL(ADMIN_URL);
  u.pathname = `/${dbName}`;
  const url = u.toString();
  const prefix = `bt-bench-${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    DATABASE_URL: url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    PUBLIC_URL: 'https://trace.example.com',
    STORAGE_DIR: join(tmpdir(), dbName),
  });
  const db = createDb({ url, poolMax: 10 });
  await migrateLatest(db);
  const ctx = assembleRuntime(config, pino({ level: 'warn' }), db, url);
  const server = createServer(createApp(ctx));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/v1`;
  const token = (await execute({ uow: ctx.uow }, createToken, SYSTEM_ACTOR, { name: 'bench', role: 'admin' }))
    .token;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const printer = await FakeZplPrinter.start({ speed: 0 });
  const worker = spawn(process.execPath, compiledEntry('worker'), {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: url,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      PUBLIC_URL: config.publicUrl,
      STORAGE_DIR: config.storageDir,
      METRICS_PORT: '0',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });

  try {
    const part = await api('POST', '/parts', { name: 'Sensor board' });
    await api('POST', '/lots', { part: part.code, quantity: LABELS + RUNS });
    const project = await api('POST', '/projects', {
      name: 'Bench printing',
      serialFormat: 'BP-{seq:05}',
      lines: [{ part: part.code, quantity: 1 }],
    });
    const build = await api('POST', '/builds', { project: project.code, quantity: LABELS, trackUnits: true });
    const code = (build.build as { code: string }).code;
    while ((await db('builds').where({ code }).first('status')).status !== 'completed') await sleep(20);
    await api('POST', '/printers', {
      name: 'Zebra bench',
      driver: 'zpl',
      address: printer.address,
      template: 'zebra-2x1in',
      dpi: 203,
    });

    // Time to first label: one-label runs, one after the other.
    const firsts: number[] = [];
    for (let i = 1; i <= RUNS + 3; i++) {
      const before = printer.printed().length;
      const t0 = performance.now();
      const run = await api('POST', '/labels', { build: code, serials: String(i), printer: 'Zebra bench' });
      while (printer.printed().length === before) await new Promise((r) => setImmediate(r));
      const ms = performance.now() - t0;
      // The first few warm the worker's connections and code paths.
      if (i > 3) firsts.push(ms);
      while ((await db('label_runs').where({ id: run.id }).first('status')).status !== 'done') await sleep(5);
    }
    const firstP50 = Math.round(percentile(firsts, 50));
    const firstP95 = Math.round(percentile(firsts, 95));
    console.log(`time to first label over ${firsts.length} runs: p50 ${firstP50} ms, p95 ${firstP95} ms`);

    // Throughput: one run of every unit.
    const before = printer.printed().length;
    const t0 = performance.now();
    const run = await api('POST', '/labels', { build: code, printer: 'Zebra bench' });
    for (;;) {
      const row = await db('label_runs').where({ id: run.id }).first('status', 'printed');
      if (row.status === 'done') break;
      if (row.status !== 'queued' && row.status !== 'printing') throw new Error(`run ${row.status}`);
      await sleep(10);
    }
    const seconds = (performance.now() - t0) / 1000;
    const printed = printer.printed().length - before;
    if (printed !== LABELS) throw new Error(`the printer printed ${printed} labels, not ${LABELS}`);
    const labelsPerSecond = Math.round(LABELS / seconds);
    console.log(`${LABELS} labels printed in ${seconds.toFixed(2)} s: ${labelsPerSecond} labels/s`);

    // Floor: the same labels written as ZPL in this process, nothing else.
    const items = (await db('lots')
      .where({ build_id: db('builds').select('id').where({ code }) })
      .orderBy('serial')
      .select('code', 'serial', 'serial_label')) as { code: string; serial: number; serial_label: string }[];
    const contents = items.map((it) => ({
      code: it.code,
      url: labelUrl(config.publicUrl, it.code),
      title: 'Sensor board',
      serial: it.serial,
      serialLabel: it.serial_label,
      buildCode: code,
      date: '2026-12-07',
    }));
    const f0 = performance.now();
    for (let i = 0; i < contents.length; i += 50)
      zplLabels(getTemplate('zebra-2x1in'), 203, contents.slice(i, i + 50));
    const floorPerSecond = Math.round(contents.length / ((performance.now() - f0) / 1000));
    const ratio = Math.round((labelsPerSecond / floorPerSecond) * 100) / 100;
    console.log(`floor: ZPL written in-process at ${floorPerSecond} labels/s; ratio ${ratio}`);
    const pass = firstP50 < GOAL.firstLabelP50Ms && labelsPerSecond >= GOAL.labelsPerSecond;
    console.log(
      JSON.stringify({
        bench: 'printing',
        firstLabelP50Ms: firstP50,
        firstLabelP95Ms: firstP95,
        runs: firsts.length,
        labels: LABELS,
        labelsPerSecond,
        floorPerSecond,
        ratio,
        goal: GOAL,
        pass,
      }),
    );
  } finally {
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
    await printer.close();
    server.close();
    await ctx.close();
    await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  }
}

await main();
