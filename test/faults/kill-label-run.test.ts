/**
 * A worker is SIGKILLed in the middle of rendering a 2,000-label run. Another worker picks the job
 * up and renders it again from the start: the stored PDF is complete (every page there, the first
 * and last labels scan to the right units), labels.ready is announced once, and every event of the
 * build — labels.ready included — reaches a webhook receiver that verifies signatures exactly once.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { settledBuild, startBackground, waitFor } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { decodeQr, rasterize } from '../helpers/decode.ts';
import {
  deliveriesSettled,
  expectBuildUnits,
  expectEachEventDeliveredOnce,
  subscribedReceiver,
} from '../helpers/deliveries.ts';
import { expectLedgerBalanced } from '../helpers/ledger.ts';
import { kill, processEnv, startProcess, type Proc } from '../helpers/processes.ts';
import type { WebhookReceiver } from '../helpers/webhook-receiver.ts';

const run = promisify(execFile);
const LABELS = 2_000;
let ctx: TestContext;
let worker: Proc | undefined;
let dir: string;
let receiver: WebhookReceiver;
const WEBHOOKS = { WEBHOOK_ALLOW_LIST: '127.0.0.1', WEBHOOK_RETRY_DELAYS_MS: '200,200,200,200,200' };

const workerEnv = () => processEnv(ctx, { ...WEBHOOKS, JOB_LOCK_MS: '2000' });

beforeAll(async () => {
  // The in-process workers share the queue's stall check with the worker processes: BullMQ runs it at
  // most once per stalledInterval across all of them, so they check as often (JOB_LOCK_MS) as those do.
  ctx = await createTestContext({ env: { ...WEBHOOKS, JOB_LOCK_MS: '2000' } });
  dir = await mkdtemp(join(tmpdir(), 'bt-kill-labels-'));
});
afterAll(async () => {
  if (worker) await kill(worker);
  await receiver?.close();
  await ctx?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a worker killed during a label run', () => {
  it('leaves no torn PDF; the run is rendered complete by the next worker', async () => {
    receiver = await subscribedReceiver(ctx, ['build.*', 'lots.generated', 'labels.ready']);
    const f = factories({ uow: ctx.uow });
    const part = await f.part({ name: 'Sensor board' });
    await f.lot({ part: part.code, quantity: LABELS });
    const project = await f.project({ lines: [{ part: part.code, quantity: 1 }] });
    // The units are made in-process; the label run is left to the worker processes.
    const bg = await startBackground(ctx);
    const build = await ctx.api('POST', '/api/v1/builds', {
      body: { project: project.code, quantity: LABELS, trackUnits: true },
    });
    const code = (build.body.build as { code: string }).code;
    await settledBuild(ctx, code, (b) => b.status === 'completed');
    // The build's events are delivered before any worker is killed (the kill is about the PDF).
    await deliveriesSettled(ctx);
    await bg.stop();

    worker = startProcess('worker', workerEnv());
    const requested = await ctx.api('POST', '/api/v1/labels', {
      body: { build: code, template: 'brother-62x29' },
    });
    const id = requested.body.id as number;
    await waitFor(
      async () => ((await ctx.db('label_runs').where({ id }).first('done')).done as number) > 0,
      'rendering to begin',
      60_000,
    );
    await kill(worker);
    expect((await ctx.db('label_runs').where({ id }).first('status')).status).toBe('rendering');
    // Nothing half-written is ever stored under the run's key.
    expect(await ctx.files.open(`labels/labels-${id}.pdf`)).toBeNull();

    worker = startProcess('worker', workerEnv());
    const done = await waitFor(
      async () => {
        const row = await ctx.db('label_runs').where({ id }).first();
        return row.status === 'done' ? row : undefined;
      },
      'the run to finish',
      120_000,
    );
    expect(done).toMatchObject({ pages: LABELS, done: LABELS });

    const file = await ctx.files.open(done.file_key as string);
    const chunks: Buffer[] = [];
    for await (const chunk of file!.stream) chunks.push(Buffer.from(chunk));
    const path = join(dir, 'labels.pdf');
    await writeFile(path, Buffer.concat(chunks));
    const info = (await run('pdfinfo', [path])).stdout;
    expect(info).toMatch(new RegExp(`Pages:\\s+${LABELS}`));
    const units = (await ctx
      .db('lots')
      .whereIn('serial', [1, LABELS])
      .where({ build_id: ctx.db('builds').select('id').where({ code }) })
      .orderBy('serial')
      .pluck('code')) as string[];
    const [first] = await rasterize(path, { dpi: 300, first: 1 });
    const [last] = await rasterize(path, { dpi: 300, first: LABELS });
    expect([decodeQr(first!), decodeQr(last!)]).toEqual(units.map((u) => `${ctx.config.publicUrl}/id/${u}`));
    expect(await ctx.db('events').where({ type: 'labels.ready' })).toHaveLength(1);
    await expectBuildUnits(ctx, code);
    await expectLedgerBalanced(ctx);
    const expected = (await ctx.db('events').where({ stream: `build:${code}` })) as {
      type: string;
      stream: string;
      sequence: number;
    }[];
    expect(expected.map((e) => e.type).sort()).toEqual([
      'build.completed',
      'build.started',
      'labels.ready',
      'lots.generated',
    ]);
    await expectEachEventDeliveredOnce(receiver, expected);
    await kill(worker, 'SIGTERM');
  });
});
