/** Runs the outbox relay and the workers in the test process, as a worker process would. */
import { buildRegistry, startWorkers } from '../../workers/index.ts';
import { OutboxRelay } from '../../src/queue/outbox-relay.ts';
import type { AppContext } from '../../src/context.ts';
import type { QueueName } from '../../src/queue/routing.ts';
import type { ApiResponse, TestContext } from './context.ts';

export interface Background {
  stop(): Promise<void>;
}

export async function startBackground(
  ctx: AppContext,
  options: { concurrency?: number; queues?: readonly QueueName[] } = {},
): Promise<Background> {
  const relay = new OutboxRelay({
    db: ctx.db,
    databaseUrl: ctx.databaseUrl,
    queues: ctx.queues,
    log: ctx.log,
    pollMs: 100,
  });
  await relay.start();
  const workers = startWorkers(ctx, {
    registry: buildRegistry(),
    concurrency: options.concurrency ?? 4,
    ...(options.queues ? { queues: options.queues } : {}),
  });
  return {
    async stop() {
      await relay.stop();
      await workers.close(5_000);
    },
  };
}

/** Hands whatever waits in the outbox to the queue once, as a worker's relay would (no worker running). */
export async function relayOnce(ctx: AppContext): Promise<number> {
  return new OutboxRelay({
    db: ctx.db,
    databaseUrl: ctx.databaseUrl,
    queues: ctx.queues,
    log: ctx.log,
  }).relayOnce();
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false>,
  what = 'condition',
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Polls a build until its operations are all finished and `until` holds. */
export async function settledBuild(
  ctx: TestContext,
  code: string,
  until: (build: Record<string, unknown>) => boolean = () => true,
): Promise<Record<string, unknown>> {
  return waitFor(async () => {
    const res: ApiResponse = await ctx.api('GET', `/api/v1/builds/${code}`);
    const ops = res.body.operations as { status: string }[] | undefined;
    const busy = res.body.status === 'starting' || (ops ?? []).some((o) => o.status === 'queued');
    return !busy && until(res.body) ? res.body : undefined;
  }, `build ${code} to settle`);
}

/** Waits until the outbox is relayed and no job is waiting or running (twice in a row). */
export async function quiesce(ctx: AppContext, timeoutMs = 20_000): Promise<void> {
  let calm = 0;
  const deadline = Date.now() + timeoutMs;
  while (calm < 2) {
    if (Date.now() > deadline) throw new Error('background work did not settle');
    const pending = await ctx.db.raw<{ rows: { n: number }[] }>(
      `SELECT (SELECT count(*) FROM job_outbox WHERE relayed_at IS NULL) + (SELECT count(*) FROM events WHERE relayed_at IS NULL) AS n`,
    );
    const counts = await ctx.queues.counts();
    const busy = Object.values(counts).reduce(
      (n, c) => n + (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0),
      0,
    );
    calm = Number(pending.rows[0]!.n) === 0 && busy === 0 ? calm + 1 : 0;
    await new Promise((r) => setTimeout(r, 30));
  }
}
