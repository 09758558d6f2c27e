/**
 * Webhook pipeline benchmark (run with `npx tsx bench/webhooks-pipeline.ts`): 10,000 events written
 * to the outbox as commands write them, then relayed, fanned out and delivered — signed, one job per
 * delivery — by one real worker process in its default configuration to a receiver on 127.0.0.1, until the receiver has every
 * one. Beside it, the floor measured in the same run: the same number of plain HTTP POSTs of the same
 * bodies from one process. The receiver checks every 50th delivery with the reference
 * `standardwebhooks` library. Goal: ≥ 1,000 deliveries/s. Prints a final JSON line.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, request, Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb } from '../src/db/knex.ts';
import { migrateLatest } from '../src/db/migrate.ts';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret } from '../src/domain/webhooks.ts';
import { adminQuery, compiledEntry } from './shared.ts';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = new URL('../', import.meta.url).pathname;
const EVENTS = 10_000;
const GOAL = 1_000;

const admin = (sql: string) => adminQuery(ADMIN_URL, sql);

async function main() {
  // The receiver counts deliveries and checks every 50th with the reference standardwebhooks
  // library, so the figure is for correct webhooks.
  const secret = generateWebhookSecret();
  const verifier = new Webhook(secret);
  let received = 0;
  let verified = 0;
  let unverified = 0;
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received++;
      if (req.headers['webhook-id'] && received % 50 === 0) {
        try {
          verifier.verify(Buffer.concat(chunks).toString(), req.headers as Record<string, string>);
          verified++;
        } catch {
          unverified++;
        }
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;

  const dbName = `bt_bench_wh_${process.pid}_${randomBytes(3).toString('hex')}`;
  await admin(`CREATE DATABASE "${dbName}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const db = createDb({ url: url.toString(), poolMax: 4 });
  await migrateLatest(db);
  if (process.env.BENCH_ASYNC_COMMIT) await db.raw(`ALTER DATABASE "${dbName}" SET synchronous_commit = off`);
  if (process.env.BENCH_NO_NOTIFY) await db.raw('ALTER TABLE job_outbox DISABLE TRIGGER job_outbox_notify');
  await db('webhook_endpoints').insert({
    url: receiverUrl,
    event_types: ['*'],
    secrets: JSON.stringify([{ secret, expiresAt: null }]),
    created_by: 'bench',
  });

  // The floor: the same bodies as plain keep-alive POSTs from one process, 50 in flight.
  const body = JSON.stringify({
    type: 'lot.status_changed',
    timestamp: new Date().toISOString(),
    data: { lot: 'ABCDEFGHJK', to: 'quarantined', stream: 'lot:ABCDEFGHJK', sequence: 1 },
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 50 });
  const post = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        receiverUrl,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  let sent = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (sent < EVENTS) {
        sent++;
        await post();
      }
    }),
  );
  const floorPerSecond = EVENTS / ((performance.now() - t0) / 1000);
  agent.destroy();
  received = 0;

  const worker = spawn(process.execPath, compiledEntry('worker'), {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: url.toString(),
      REDIS_URL,
      QUEUE_PREFIX: `bench-wh-${randomBytes(4).toString('hex')}`,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      STORAGE_DIR: join(tmpdir(), dbName),
      ...(process.env.BENCH_WEBHOOK_CONCURRENCY
        ? { WEBHOOK_CONCURRENCY: process.env.BENCH_WEBHOOK_CONCURRENCY }
        : {}),
      WEBHOOK_ALLOW_LIST: '127.0.0.1',
      METRICS_PORT: process.env.BENCH_METRICS_PORT ?? '0',
      DATABASE_POOL_MAX: process.env.BENCH_POOL ?? '10',
      ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    await new Promise((r) => setTimeout(r, 1_500)); // the worker connects and starts its relay
    // 10,000 events, as commands write them (one stream per lot), in one transaction.
    const rows = Array.from({ length: EVENTS }, (_, i) => ({
      type: 'lot.status_changed',
      stream: `lot:L${i}`,
      sequence: 1,
      data: JSON.stringify({ lot: `L${i}`, to: 'quarantined' }),
    }));
    const started = performance.now();
    await db.batchInsert('events', rows, 1_000);
    const deadline = Date.now() + 120_000;
    let fannedOut = 0;
    while (received < EVENTS && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      if (
        !fannedOut &&
        Number((await db('webhook_deliveries').count<{ n: number }[]>('* as n'))[0]!.n) >= EVENTS
      ) {
        fannedOut = (performance.now() - started) / 1000;
        if (process.env.BENCH_VERBOSE)
          console.log(
            `  all ${EVENTS} deliveries created after ${fannedOut.toFixed(2)} s; ${received} received so far`,
          );
      }
    }
    const seconds = (performance.now() - started) / 1000;
    if (process.env.BENCH_METRICS_PORT) {
      const text = await (await fetch(`http://127.0.0.1:${process.env.BENCH_METRICS_PORT}/metrics`)).text();
      console.log(
        text
          .split('\n')
          .filter((l) => /job_duration_seconds_(sum|count)/.test(l))
          .join('\n'),
      );
    }
    const deliveriesPerSecond = received / seconds;
    const pass = received === EVENTS && verified > 0 && unverified === 0 && deliveriesPerSecond >= GOAL;
    console.log(
      `webhook pipeline: ${EVENTS.toLocaleString('en')} events → outbox → relay → fan-out → signed deliveries (one worker process, concurrency ${process.env.BENCH_WEBHOOK_CONCURRENCY ?? '50 (default WEBHOOK_CONCURRENCY)'})`,
    );
    console.log(
      `  delivered ${received.toLocaleString('en')} in ${seconds.toFixed(2)} s: ${Math.round(deliveriesPerSecond).toLocaleString('en')} deliveries/s`,
    );
    console.log(
      `  floor, plain POSTs of the same body from one process: ${Math.round(floorPerSecond).toLocaleString('en')} /s; ratio ${(deliveriesPerSecond / floorPerSecond).toFixed(2)}`,
    );
    console.log(`  signatures checked with standardwebhooks: ${verified} verified, ${unverified} failed`);
    console.log(`  goal ≥ ${GOAL.toLocaleString('en')} deliveries/s: ${pass ? 'met' : 'NOT met'}`);
    console.log(
      JSON.stringify({
        bench: 'webhooks-pipeline',
        events: EVENTS,
        delivered: received,
        verified,
        unverified,
        seconds: Number(seconds.toFixed(2)),
        deliveriesPerSecond: Math.round(deliveriesPerSecond),
        floorPerSecond: Math.round(floorPerSecond),
        ratio: Number((deliveriesPerSecond / floorPerSecond).toFixed(3)),
        goalPerSecond: GOAL,
        pass,
      }),
    );
  } finally {
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
    receiver.close();
    await db.destroy();
    await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  }
}

await main();
