/**
 * Graceful shutdown of the real processes. A worker sent SIGTERM during a long unit generation stops
 * taking jobs, lets the running one finish within SHUTDOWN_GRACE_MS and exits 0; with a grace too
 * short for the job it exits 0 anyway and leaves the job to be picked up again, and the next worker
 * finishes it. Either way: exactly the expected units, serials unique, a balanced ledger, each event
 * delivered once. A web process sent SIGTERM while a request is still arriving answers it, refuses
 * new connections, and exits 0.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.ts';
import { factories } from '../factories.ts';
import { waitFor } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import {
  deliveriesSettled,
  expectBuildUnits,
  expectEachEventDeliveredOnce,
  subscribedReceiver,
  expectBuildEventsOnce,
} from '../helpers/deliveries.ts';
import { expectLedgerBalanced } from '../helpers/ledger.ts';
import {
  kill,
  processEnv,
  ROOT,
  signalAndWait,
  startProcess,
  waitForOutput,
  type Proc,
} from '../helpers/processes.ts';
import type { WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { SHUTDOWN_MARGIN_MS } from '../../src/main/process.ts';

const UNITS = 20_000;
let ctx: TestContext;
let receiver: WebhookReceiver;
const running: Proc[] = [];

const WEBHOOKS = { WEBHOOK_ALLOW_LIST: '127.0.0.1', WEBHOOK_RETRY_DELAYS_MS: '200,200,200,200,200' };

beforeAll(async () => {
  ctx = await createTestContext({ env: WEBHOOKS });
  receiver = await subscribedReceiver(ctx, ['build.*', 'lots.generated']);
});
afterEach(async () => {
  for (const proc of running.splice(0)) await kill(proc);
});
afterAll(async () => {
  await receiver?.close();
  await ctx?.close();
});

function start(entry: 'worker' | 'web', env: Record<string, string> = {}): Proc {
  // info, so the test can see the process is up and has begun shutting down.
  const proc = startProcess(entry, processEnv(ctx, { ...WEBHOOKS, LOG_LEVEL: 'info', ...env }));
  running.push(proc);
  return proc;
}

async function startWorker(env: Record<string, string>): Promise<Proc> {
  const worker = start('worker', { JOB_LOCK_MS: '2000', ...env });
  await waitForOutput(worker, 'workers running');
  return worker;
}

/** A tracked 20,000-unit build. */
async function startLongBuild(): Promise<{ code: string; generated(): Promise<number> }> {
  const f = factories({ uow: ctx.uow });
  const part = await f.part();
  await f.lot({ part: part.code, quantity: UNITS });
  const project = await f.project({ serialFormat: 'SD-{seq:06}', lines: [{ part: part.code, quantity: 1 }] });
  const res = await ctx.api('POST', '/api/v1/builds', {
    body: { project: project.code, quantity: UNITS, trackUnits: true },
  });
  expect(res.status, res.text).toBe(201);
  const code = (res.body.build as { code: string }).code;
  const generated = async () =>
    (await ctx.db('builds').where({ code }).first('units_generated')).units_generated as number;
  return { code, generated };
}

/** Every event of the build reached the receiver once (deliveries of earlier tests included). */
async function expectAllEventsDelivered(): Promise<void> {
  const expected = (await ctx.db('events').where('stream', 'like', 'build:%')) as {
    stream: string;
    sequence: number;
  }[];
  await expectEachEventDeliveredOnce(receiver, expected);
}

async function expectCompletedOnce(code: string): Promise<void> {
  await waitFor(
    async () => (await ctx.db('builds').where({ code }).first('status')).status === 'completed',
    `build ${code} to complete`,
    60_000,
  );
  await expectAllEventsDelivered();
  await expectBuildUnits(ctx, code);
  await expectLedgerBalanced(ctx);
  await expectBuildEventsOnce(ctx, code);
}

describe('SIGTERM to a worker', () => {
  it('lets the running generation finish within the grace period, then exits 0', async () => {
    // Longer than the hard exit once was (45 s): the configured grace is what counts.
    const GRACE = 60_000;
    const worker = await startWorker({ SHUTDOWN_GRACE_MS: String(GRACE), GENERATION_CHUNK_SIZE: '250' });
    const build = await startLongBuild();
    await waitFor(async () => (await build.generated()) >= 1_000, 'generation to begin', 30_000);

    expect(await build.generated(), 'signalled mid-generation').toBeLessThan(UNITS);
    const stopped = await signalAndWait(worker);
    const atExit = await build.generated();
    expect(stopped.exit, worker.output()).toBe(0);
    expect(stopped.ms).toBeLessThan(GRACE);
    // Drained, not abandoned: the job ran to its end before the process left.
    expect(atExit).toBe(UNITS);
    expect(worker.output()).not.toContain('leaving them to be retried');
    expect(worker.output()).toContain(`"graceMs":${GRACE},"hardMs":${GRACE + SHUTDOWN_MARGIN_MS}`);

    // What the draining job committed (lots.generated, build.completed) waits in the outbox.
    await startWorker({});
    await expectCompletedOnce(build.code);
  });

  it('with a grace too short for the job, exits 0 and leaves it to the next worker', async () => {
    const GRACE = 300;
    const worker = await startWorker({ SHUTDOWN_GRACE_MS: String(GRACE), GENERATION_CHUNK_SIZE: '100' });
    const build = await startLongBuild();
    // A delivery cut off by the short grace would be sent again: let build.started land first.
    await deliveriesSettled(ctx);
    await waitFor(async () => (await build.generated()) >= 1_000, 'generation to begin', 30_000);

    const stopped = await signalAndWait(worker);
    expect(stopped.exit, worker.output()).toBe(0);
    // The grace, then only closing what is open: far less than the margin the hard exit allows.
    expect(stopped.ms).toBeLessThan(GRACE + 5_000);
    expect(worker.output()).toContain('leaving them to be retried');
    const atExit = await build.generated();
    expect(atExit, 'the job was cut short').toBeLessThan(UNITS);
    await new Promise((r) => setTimeout(r, 500));
    expect(await build.generated(), 'nothing runs on after the exit').toBe(atExit);

    await startWorker({ GENERATION_CHUNK_SIZE: '2000' });
    await expectCompletedOnce(build.code);
  });
});

describe('SIGTERM to a web process', () => {
  it('answers the request in flight, refuses new connections, and exits 0', async () => {
    const port = await freePort();
    const web = start('web', { PORT: String(port), HOST: '127.0.0.1', RATE_LIMIT_PER_MINUTE: '0' });
    await waitForOutput(web, 'web listening');

    // The request's body arrives in two halves, with the signal in between.
    const body = JSON.stringify({ name: 'Drained part', description: 'x'.repeat(2_000) });
    let sendRest!: () => void;
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/v1/parts',
          headers: {
            authorization: `Bearer ${ctx.tokens.admin}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 1_000));
      sendRest = () => req.end(body.slice(1_000));
    });
    await new Promise((r) => setTimeout(r, 300)); // the server is reading the body

    web.child.kill('SIGTERM');
    await waitForOutput(web, 'shutting down');
    // No new work: a new connection is refused while the open request is still being read.
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    sendRest();
    const res = await answer;
    expect(res.status, res.body).toBe(201);
    expect((JSON.parse(res.body) as { name: string }).name).toBe('Drained part');
    expect(await web.exited).toBe(0);
    expect(await ctx.db('parts').where({ name: 'Drained part' })).toHaveLength(1);
  });
});

describe('the hard exit', () => {
  it('comes at the grace plus the margin when stopping hangs', async () => {
    const GRACE = 500;
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/faults/fixtures/hanging-shutdown.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', SHUTDOWN_GRACE_MS: String(GRACE) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await waitFor(async () => output.includes('ready'), 'the process to start', 30_000);

    const t0 = performance.now();
    child.kill('SIGTERM');
    const code = await exited;
    const ms = performance.now() - t0;
    expect(code).toBe(1);
    expect(output).toContain('shutdown took too long');
    expect(ms).toBeGreaterThanOrEqual(GRACE + SHUTDOWN_MARGIN_MS - 50);
    expect(ms).toBeLessThan(GRACE + SHUTDOWN_MARGIN_MS + 5_000);
  });
});
