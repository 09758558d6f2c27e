/**
 * A bounded mixed load for 60 s against the real processes (a web and a worker process, as the
 * Procfile runs them): code lookups, unit lookups, tracked builds, label runs, signed Slack commands
 * and webhook deliveries to a local receiver. Reports p50/p99 per operation and both processes' RSS
 * at the start and the end. Passes when nothing answered 5xx, every build and label run finished,
 * every build.completed reached the receiver once, signed (verified with standardwebhooks), and
 * neither process grew by more than 150 MB.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.ts';
import { factories } from '../factories.ts';
import { waitFor } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { TEST_REDIS_URL } from '../helpers/env.ts';
import { slackSender, startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { kill, startProcess, type Proc } from '../helpers/processes.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

const DURATION_MS = 60_000;
const RSS_GROWTH_LIMIT_MB = 150;
const SECRET = 'load-signing-secret';

let ctx: TestContext;
let fake: FakeSlack;
let receiver: WebhookReceiver;
const secrets: string[] = [];
let web: Proc;
let worker: Proc;
let base: string;

async function rssMb(proc: Proc): Promise<number> {
  const status = await readFile(`/proc/${proc.child.pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024);
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0
    ? 0
    : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

beforeAll(async () => {
  ctx = await createTestContext({ env: { WEBHOOK_ALLOW_LIST: '127.0.0.1' } });
  fake = await startFakeSlack();
  // The endpoint's secret is added when it is created; the receiver verifies every delivery with it.
  receiver = await startWebhookReceiver({ secrets });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env = {
    DATABASE_URL: ctx.databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: ctx.queuePrefix,
    STORAGE_DIR: ctx.config.storageDir,
    PUBLIC_URL: base,
    PORT: String(port),
    HOST: '127.0.0.1',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_BOT_TOKEN: 'xoxb-load',
    SLACK_API_URL: fake.apiUrl,
    WEBHOOK_ALLOW_LIST: '127.0.0.1',
    RATE_LIMIT_PER_MINUTE: '0',
    SLACK_RATE_LIMIT_PER_MINUTE: '0',
  };
  web = startProcess('web', env);
  worker = startProcess('worker', env);
  await waitFor(
    async () =>
      (await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      )) || undefined,
    'web ready',
    60_000,
  );
});
afterAll(async () => {
  if (web) await kill(web, 'SIGTERM');
  if (worker) await kill(worker, 'SIGTERM');
  await receiver?.close();
  await fake?.close();
  await ctx?.close();
});

describe('mixed load', () => {
  it('keeps answering for 60 s without errors or memory growth', async () => {
    const f = factories({ uow: ctx.uow });
    const part = await f.part({ name: 'Load board' });
    await f.lot({ part: part.code, quantity: 1_000_000 });
    const project = await f.project({ name: 'Load project', lines: [{ part: part.code, quantity: 1 }] });
    const endpoint = await ctx.api('POST', '/api/v1/webhook-endpoints', {
      body: { url: receiver.url, eventTypes: ['build.completed'] },
    });
    expect(endpoint.status, endpoint.text).toBe(201);
    secrets.push(endpoint.body.secret as string);
    await ctx.api('PUT', '/api/v1/slack-users/U0LOAD', { body: { role: 'operator' } });
    const slack = slackSender(base, SECRET, fake);
    const auth = { authorization: `Bearer ${ctx.tokens.operator}`, 'content-type': 'application/json' };
    const lots = [(await f.lot({ part: part.code, quantity: 1 })).code];

    const latencies: Record<string, number[]> = {
      'code lookup': [],
      'unit lookup': [],
      'start build': [],
      'label run': [],
      'slack command': [],
    };
    const errors: string[] = [];
    const builds: string[] = [];
    const labelRuns: number[] = [];
    const timed = async (op: string, work: () => Promise<Response | { status: number }>) => {
      const t0 = performance.now();
      const res = await work().catch((e: Error) => ({ status: 599, statusText: e.message }));
      latencies[op]!.push(performance.now() - t0);
      if (res.status >= 500) errors.push(`${op}: ${res.status}`);
      return res;
    };

    // A first build so lookups have units to find, then the processes' RSS after warming up.
    const first = (await (
      await fetch(`${base}/api/v1/builds`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ project: project.code, quantity: 50, trackUnits: true }),
      })
    ).json()) as { build: { code: string } };
    builds.push(first.build.code);
    await waitFor(
      async () =>
        (await ctx.db('builds').where({ code: first.build.code }).first('status')).status === 'completed',
      'first build',
      30_000,
    );
    const rssStart = { web: await rssMb(web), worker: await rssMb(worker) };

    const end = Date.now() + DURATION_MS;
    const loop = async (everyMs: number, work: () => Promise<void>) => {
      while (Date.now() < end) {
        const t0 = Date.now();
        await work();
        await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (Date.now() - t0))));
      }
    };
    await Promise.all([
      loop(20, async () => {
        await timed('code lookup', () =>
          fetch(`${base}/api/v1/codes/${lots[Math.floor(Math.random() * lots.length)]}`, { headers: auth }),
        );
      }),
      loop(40, async () => {
        const build = builds[Math.floor(Math.random() * builds.length)]!;
        await timed('unit lookup', () =>
          fetch(`${base}/api/v1/builds/${build}/units/${1 + Math.floor(Math.random() * 50)}`, {
            headers: auth,
          }),
        );
      }),
      loop(2_000, async () => {
        const res = await timed('start build', () =>
          fetch(`${base}/api/v1/builds`, {
            method: 'POST',
            headers: auth,
            body: JSON.stringify({ project: project.code, quantity: 50, trackUnits: true }),
          }),
        );
        if (res.status === 201 && 'json' in res)
          builds.push(((await res.json()) as { build: { code: string } }).build.code);
      }),
      loop(5_000, async () => {
        const res = await timed('label run', () =>
          fetch(`${base}/api/v1/labels`, {
            method: 'POST',
            headers: auth,
            body: JSON.stringify({ build: builds[0], serials: '1-20', template: 'a4-3x8' }),
          }),
        );
        if (res.status === 202 && 'json' in res) labelRuns.push(((await res.json()) as { id: number }).id);
      }),
      loop(100, async () => {
        await timed('slack command', () =>
          slack.command('/build', `status ${builds[0]}`, { user: 'U0LOAD', channel: 'C0LOAD' }),
        );
      }),
    ]);

    // Let the queues drain, then check everything finished exactly once.
    await waitFor(
      async () =>
        Number(
          (await ctx.db('builds').whereNot({ status: 'completed' }).count<{ n: number }[]>('* as n'))[0]!.n,
        ) === 0,
      'every build to complete',
      60_000,
    );
    await waitFor(
      async () =>
        Number(
          (await ctx.db('label_runs').whereNot({ status: 'done' }).count<{ n: number }[]>('* as n'))[0]!.n,
        ) === 0,
      'label runs',
      60_000,
    );
    const completed = await ctx
      .db('events')
      .where({ type: 'build.completed' })
      .count<{ n: number }[]>('* as n');
    await waitFor(
      async () => receiver.requests.length >= Number(completed[0]!.n),
      'webhook deliveries',
      60_000,
    );
    const rssEnd = { web: await rssMb(web), worker: await rssMb(worker) };

    // A delivery's latency: from the event (its timestamp in the signed body) to the receiver.
    latencies['webhook delivery (event → receiver)'] = receiver.requests.map(
      (r) => r.receivedAt - Date.parse((r.payload as { timestamp: string }).timestamp),
    );
    const rows = Object.entries(latencies).map(([op, values]) => ({
      operation: op,
      requests: values.length,
      p50: Number(percentile(values, 50).toFixed(1)),
      p99: Number(percentile(values, 99).toFixed(1)),
    }));
    console.log(`mixed load, ${DURATION_MS / 1000} s:`);
    console.table(rows);
    console.log(
      `builds ${builds.length}, label runs ${labelRuns.length}, webhook deliveries ${receiver.requests.length}`,
    );
    console.log(
      `RSS web ${rssStart.web} → ${rssEnd.web} MB, worker ${rssStart.worker} → ${rssEnd.worker} MB (bound: +${RSS_GROWTH_LIMIT_MB} MB)`,
    );

    expect(errors).toEqual([]);
    expect(rows.every((r) => r.requests > 0)).toBe(true);
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size).toBe(
      receiver.requests.length,
    );
    expect(receiver.requests.length).toBe(Number(completed[0]!.n));
    expect(receiver.requests.filter((r) => r.verifiedWith.length === 0)).toEqual([]);
    expect(rssEnd.web - rssStart.web).toBeLessThan(RSS_GROWTH_LIMIT_MB);
    expect(rssEnd.worker - rssStart.worker).toBeLessThan(RSS_GROWTH_LIMIT_MB);
  });
});
