/**
 * Webhook delivery throughput: `npx tsx bench/webhooks.ts [deliveries] [concurrency]`.
 *
 * Sends 10,000 signed deliveries (50 in flight) through the delivery engine to a receiver on
 * 127.0.0.1 (allow-listed), and beside it a floor measured in the same run: the same number of
 * plain keep-alive HTTP POSTs of the same body at the same concurrency with nothing else (no
 * signing, no SSRF guard, no response accounting). The receiver runs in a child process so this
 * process only sends; it verifies a sample of the deliveries with the reference `standardwebhooks`
 * library so the figure is for correct webhooks. Goal: at least 1,000 deliveries/s.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret } from '../src/domain/webhooks.ts';
import { closeDeliveryAgents, deliver } from '../src/webhooks/deliver.ts';
import { signatureHeaders, webhookBody } from '../src/webhooks/sign.ts';

const GOAL_PER_SECOND = 1_000;
const VERIFY_EVERY = 50;

interface ReceiverStats {
  received: number;
  verified: number;
  failed: number;
}
type ToReceiver = { kind: 'stats' } | { kind: 'stop' };
type FromReceiver = { kind: 'listening'; port: number } | ({ kind: 'stats' } & ReceiverStats);

/** The child process: answers 204 to everything, verifies every VERIFY_EVERY-th webhook. */
function runReceiver(secret: string): void {
  const webhook = new Webhook(secret);
  const stats: ReceiverStats = { received: 0, verified: 0, failed: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const n = ++stats.received;
      const signature = req.headers['webhook-signature'];
      if (typeof signature === 'string' && n % VERIFY_EVERY === 0) {
        try {
          webhook.verify(Buffer.concat(chunks).toString('utf8'), {
            'webhook-id': String(req.headers['webhook-id']),
            'webhook-timestamp': String(req.headers['webhook-timestamp']),
            'webhook-signature': signature,
          });
          stats.verified++;
        } catch {
          stats.failed++;
        }
      }
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    process.send?.({
      kind: 'listening',
      port: (server.address() as AddressInfo).port,
    } satisfies FromReceiver);
  });
  process.on('message', (message: ToReceiver) => {
    if (message.kind === 'stats') process.send?.({ kind: 'stats', ...stats } satisfies FromReceiver);
    else {
      server.closeAllConnections();
      server.close(() => process.exit(0));
    }
  });
}

/** Runs `task` `count` times with at most `concurrency` in flight; returns the wall time in ms. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
  return performance.now() - started;
}

function plainPost(agent: http.Agent, port: number, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/hook',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 204 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function microsPer(count: number, fn: (i: number) => void): number {
  const started = performance.now();
  for (let i = 0; i < count; i++) fn(i);
  return ((performance.now() - started) * 1000) / count;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 10_000);
  const concurrency = Number(process.argv[3] ?? 50);
  const secret = generateWebhookSecret();
  const child = fork(fileURLToPath(import.meta.url), ['--receiver', secret], { stdio: 'inherit' });
  const messages: FromReceiver[] = [];
  const waiters: ((m: FromReceiver) => void)[] = [];
  child.on('message', (m: FromReceiver) => {
    const waiter = waiters.shift();
    if (waiter) waiter(m);
    else messages.push(m);
  });
  const receive = () =>
    new Promise<FromReceiver>((resolve) =>
      messages.length ? resolve(messages.shift()!) : waiters.push(resolve),
    );
  const listening = await receive();
  if (listening.kind !== 'listening') throw new Error('receiver did not start');
  const url = `http://127.0.0.1:${listening.port}/hook`;

  // A realistic build.completed event.
  const body = webhookBody({
    type: 'build.completed',
    timestamp: new Date(),
    data: {
      build: { idCode: '7K3M9Q2XAB', project: 'PX-100 controller', quantity: 250, stage: 'final test' },
      part: { idCode: 'P4Q8M2ZK1C', name: 'PX-100 controller board' },
      serials: { first: 1, last: 250, format: 'PX-{yy}{ww}-{seq:05}' },
      completedBy: 'U024BE7LH',
    },
  });
  const plainAgent = new http.Agent({ keepAlive: true });
  const floorTask = () => plainPost(plainAgent, listening.port, body);
  let failures = 0;
  const deliveryTask = async (i: number) => {
    const attempt = await deliver(
      { url, id: `msg_bench${i}`, timestamp: new Date(), body, secrets: [secret] },
      { allowList: ['127.0.0.1/32'] },
    );
    if (!attempt.ok) failures++;
  };

  // Warm both paths (JIT, connection pools), then alternate measured rounds and keep each best.
  await pool(Math.min(2_000, count), concurrency, floorTask);
  await pool(Math.min(2_000, count), concurrency, deliveryTask);
  const floorMs: number[] = [];
  const deliveryMs: number[] = [];
  for (let round = 0; round < 3; round++) {
    floorMs.push(await pool(count, concurrency, floorTask));
    deliveryMs.push(await pool(count, concurrency, deliveryTask));
  }
  const bestFloor = Math.min(...floorMs);
  const bestDelivery = Math.min(...deliveryMs);
  const floorPerSecond = (count / bestFloor) * 1000;
  const deliveriesPerSecond = (count / bestDelivery) * 1000;

  // Where the difference goes: the per-delivery cost of signing alone.
  const signNodeUs = microsPer(20_000, (i) =>
    signatureHeaders({ id: `msg_${i}`, timestamp: new Date(), body, secrets: [secret] }),
  );
  const library = new Webhook(secret);
  const signLibraryUs = microsPer(20_000, (i) => library.sign(`msg_${i}`, new Date(), body));

  child.send({ kind: 'stats' } satisfies ToReceiver);
  const stats = await receive();
  child.send({ kind: 'stop' } satisfies ToReceiver);
  plainAgent.destroy();
  closeDeliveryAgents();
  if (stats.kind !== 'stats') throw new Error('no stats from the receiver');

  const row = (name: string, ms: number, perSecond: number) =>
    `${name.padEnd(34)}${(ms / 1000).toFixed(3).padStart(9)} s${Math.round(perSecond).toLocaleString('en').padStart(12)} /s`;
  console.log(
    `webhooks: ${count.toLocaleString('en')} POSTs of ${Buffer.byteLength(body)} bytes, ${concurrency} in flight, receiver in a child process (best of 3)`,
  );
  console.log(row('floor: plain keep-alive POST', bestFloor, floorPerSecond));
  console.log(row('deliver(): signed, guarded', bestDelivery, deliveriesPerSecond));
  console.log(
    `ratio deliver/floor: ${(deliveriesPerSecond / floorPerSecond).toFixed(2)}   goal: ≥ ${GOAL_PER_SECOND.toLocaleString('en')} deliveries/s (${deliveriesPerSecond >= GOAL_PER_SECOND ? 'met' : 'NOT met'})`,
  );
  console.log(
    `signing per delivery: node:crypto ${signNodeUs.toFixed(1)} µs, standardwebhooks Webhook#sign ${signLibraryUs.toFixed(1)} µs`,
  );
  console.log(
    `failed deliveries: ${failures}; receiver verified ${stats.verified} sampled webhooks with standardwebhooks, ${stats.failed} failed`,
  );
  console.log(
    JSON.stringify({
      bench: 'webhooks',
      deliveries: count,
      concurrency,
      bodyBytes: Buffer.byteLength(body),
      floorPerSecond: Math.round(floorPerSecond),
      deliveriesPerSecond: Math.round(deliveriesPerSecond),
      ratio: Number((deliveriesPerSecond / floorPerSecond).toFixed(3)),
      goalPerSecond: GOAL_PER_SECOND,
      goalMet: deliveriesPerSecond >= GOAL_PER_SECOND,
      signMicros: {
        nodeCrypto: Number(signNodeUs.toFixed(2)),
        standardwebhooks: Number(signLibraryUs.toFixed(2)),
      },
      failures,
      verifiedSample: stats.verified,
      verifyFailures: stats.failed,
    }),
  );
  if (failures > 0 || stats.failed > 0) process.exitCode = 1;
}

if (process.argv[2] === '--receiver') runReceiver(process.argv[3]!);
else await main();
