/**
 * Printing end to end on a fake Zebra (a loopback TCP printer speaking ZPL, answering ~HS and its
 * label counter): a 200-unit build printed through the API comes out as exactly its 200 unit URLs,
 * once each, in serial order; a printer that runs out of labels at label 120 pauses the run (one
 * labels.paused, delivered once to a webhook receiver) and, once refilled, the printer watch
 * resumes it and every label is still printed exactly once; a connection dropped mid-batch loses and
 * doubles nothing; automatic printing of a build's units and of a received lot.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { startBackground, waitFor, type Background } from '../helpers/background.ts';
import { makeKit, type Kit } from '../helpers/builds.ts';
import { builtUnits, finishedRun, pausedRun } from '../helpers/printing.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { subscribedReceiver } from '../helpers/deliveries.ts';
import { FakeZplPrinter } from '../helpers/fake-zpl-printer.ts';
import type { WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { printLabelRunSlice, settleLabelPrint } from '../../src/commands/printers.ts';
import { PrinterWatch } from '../../workers/printer-watch.ts';

let ctx: TestContext;
let bg: Background;
let receiver: WebhookReceiver;
let printer: FakeZplPrinter | undefined;
let watch: PrinterWatch;
let printers = 0;

beforeAll(async () => {
  ctx = await createTestContext({
    env: {
      WEBHOOK_ALLOW_LIST: '127.0.0.1',
      WEBHOOK_RETRY_DELAYS_MS: '200,200,200',
      PRINT_LEASE_MS: '3000',
    },
  });
  bg = await startBackground(ctx);
  receiver = await subscribedReceiver(ctx, ['labels.*']);
  watch = new PrinterWatch({
    deps: { uow: ctx.uow, services: ctx.services },
    drivers: ctx.services.printers!,
    intervalMs: 100,
    log: ctx.log,
  });
  watch.start();
});
afterEach(async () => {
  await printer?.close();
  printer = undefined;
});
afterAll(async () => {
  await watch?.stop();
  await bg?.stop();
  await receiver?.close();
  await ctx?.close();
});

/** A fake Zebra and its printer record. */
async function zebra(options: { speed?: number } = {}) {
  printer = await FakeZplPrinter.start({ speed: options.speed ?? 1 });
  const name = `Zebra line ${++printers}`;
  const res = await ctx.api('POST', '/api/v1/printers', {
    body: { name, driver: 'zpl', address: printer.address, template: 'zebra-2x1in', dpi: 203 },
  });
  expect(res.status, res.text).toBe(201);
  return { fake: printer, name };
}

const build = (quantity: number, kit?: Kit) => builtUnits(ctx, quantity, kit);
const finished = (id: number) => finishedRun(ctx, id, 60_000);

const eventsOf = (run: number, type: string) =>
  ctx.db('events').where({ type }).whereRaw(`(data->>'run')::int = ?`, [run]);

describe('printing on a Zebra (zpl)', () => {
  it('prints a 200-unit build as exactly its 200 unit URLs, once each, in order', async () => {
    const { fake, name } = await zebra();
    const { code, urls } = await build(200);
    const res = await ctx.api('POST', '/api/v1/labels', { body: { build: code, printer: name } });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({ status: 'queued', template: 'zebra-2x1in', dpi: 203, total: 200 });
    const run = await finished(res.body.id as number);
    expect(run).toMatchObject({ status: 'done', printed: 200, download: null });
    expect(fake.printed().map((l) => l.data)).toEqual(urls);
    const records = await ctx.api('GET', `/api/v1/labels/${run.id as number}/prints?limit=500`);
    expect((records.body.items as { status: string }[]).every((r) => r.status === 'confirmed')).toBe(true);
    expect(await eventsOf(run.id as number, 'labels.printed')).toHaveLength(1);
  });

  it('pauses when the printer runs out of labels at 120, and resumes by itself once it is refilled', async () => {
    const { fake, name } = await zebra({ speed: 2 });
    const { code, urls } = await build(200);
    fake.paperOutAfter(120);
    const res = await ctx.api('POST', '/api/v1/labels', { body: { build: code, printer: name } });
    const id = res.body.id as number;
    const paused = await pausedRun(ctx, id, 30_000);
    expect(paused).toMatchObject({ pausedState: 'paper-out', printed: 120 });
    expect(paused.pausedReason).toMatch(new RegExp(`^${name}: .+ — 120 of 200 printed$`));
    // The printer's live status says the same.
    const live = await ctx.api('GET', `/api/v1/printers/${encodeURIComponent(name)}`);
    expect(live.body).toMatchObject({ openRuns: 1, live: { state: 'paper-out', ready: false } });
    // Still out of labels: the watch leaves the run paused.
    await new Promise((r) => setTimeout(r, 500));
    expect((await ctx.api('GET', `/api/v1/labels/${id}`)).body.status).toBe('paused');
    fake.refill();
    const run = await finished(id);
    expect(run).toMatchObject({ status: 'done', printed: 200 });
    expect(fake.printed().map((l) => l.data)).toEqual(urls);
    expect(await eventsOf(id, 'labels.paused')).toHaveLength(1);
    expect(await eventsOf(id, 'labels.resumed')).toHaveLength(1);
    // One webhook delivery per pause, whatever the retries.
    await waitFor(
      async () =>
        receiver.requests.some(
          (r) =>
            (r.payload as { type: string; data: { run: number } }).type === 'labels.printed' &&
            (r.payload as { data: { run: number } }).data.run === id,
        ),
      'labels.printed delivered',
    );
    const pauses = receiver.requests.filter((r) => {
      const p = r.payload as { type: string; data: { run: number } };
      return p.type === 'labels.paused' && p.data.run === id;
    });
    expect(new Set(pauses.map((r) => r.headers['webhook-id'])).size).toBe(1);
  });

  it('loses and doubles nothing when the connection drops mid-batch', async () => {
    const { fake, name } = await zebra({ speed: 1 });
    const { code, urls } = await build(120);
    fake.dropConnectionAfter(17);
    const res = await ctx.api('POST', '/api/v1/labels', { body: { build: code, printer: name } });
    const id = res.body.id as number;
    const run = await finished(id);
    expect(run).toMatchObject({ status: 'done', printed: 120 });
    expect(fake.printed().map((l) => l.data)).toEqual(urls);
    // The lost connection paused the run once, and the printer watch resumed it by itself.
    expect(await eventsOf(id, 'labels.paused')).toHaveLength(1);
    const [resumed] = await eventsOf(id, 'labels.resumed');
    expect(resumed.data).toMatchObject({ pausedFor: 'unreachable', by: 'printer-watch' });
    await waitFor(
      async () =>
        receiver.requests.some(
          (r) =>
            (r.payload as { type: string; data: { run: number } }).data.run === id &&
            (r.payload as { type: string }).type === 'labels.printed',
        ),
      'labels.printed delivered',
    );
    const pauses = receiver.requests.filter((r) => {
      const p = r.payload as { type: string; data: { run: number } };
      return p.type === 'labels.paused' && p.data.run === id;
    });
    expect(new Set(pauses.map((r) => r.headers['webhook-id'])).size).toBe(1);
  });

  it('prints a tracked build by itself when its project says so, and a lot received at a location', async () => {
    const { fake, name } = await zebra();
    const kit = await makeKit(factories({ uow: ctx.uow }), { rLots: [{ quantity: 100 }], uStock: 50 });
    const assign = await ctx.api('PUT', `/api/v1/projects/${kit.project}/printer`, {
      body: { printer: name, autoPrint: true },
    });
    expect(assign.status, assign.text).toBe(200);
    const { urls } = await build(12, kit);
    await waitFor(async () => fake.printed().length >= 12, 'the build to print by itself');
    expect(fake.printed().map((l) => l.data)).toEqual(urls);
    const auto = await ctx.db('label_runs').where({ trigger: 'auto:build' });
    expect(auto).toHaveLength(1);

    const f = factories({ uow: ctx.uow });
    const location = await f.location({ name: 'Goods in' });
    await ctx.api('PUT', `/api/v1/locations/${location.code}/printer`, {
      body: { printer: name, autoPrint: true },
    });
    const part = await f.part({ name: 'Reel of 10k' });
    const lot = await ctx.api('POST', '/api/v1/lots', {
      body: { part: part.code, quantity: 5000, location: location.code, supplier: 'DigiKey' },
    });
    expect(lot.status, lot.text).toBe(201);
    await waitFor(async () => fake.printed().length >= 13, "the lot's label to print by itself");
    expect(fake.printed().at(-1)!.data).toBe(`${ctx.config.publicUrl}/id/${lot.body.code as string}`);
    expect(fake.printed()).toHaveLength(13);
  });

  it('asks a person about labels in doubt (no label counter, connection dropped) and prints the rest once', async () => {
    const { fake, name } = await zebra();
    fake.setCounter('silent');
    const { code, urls } = await build(60);
    fake.dropConnectionAfter(17);
    const res = await ctx.api('POST', '/api/v1/labels', { body: { build: code, printer: name } });
    const id = res.body.id as number;
    const paused = await waitFor(
      async () => {
        const r = await ctx.api('GET', `/api/v1/labels/${id}`);
        return r.body.pausedState === 'in-doubt' ? r.body : undefined;
      },
      'the run to pause with labels in doubt',
      30_000,
    );
    expect(paused.pausedReason).toMatch(/labels 1–50 may or may not have printed/);
    expect(fake.printed()).toHaveLength(17);
    // The watch leaves it to a person.
    await new Promise((r) => setTimeout(r, 400));
    expect((await ctx.api('GET', `/api/v1/labels/${id}`)).body.pausedState).toBe('in-doubt');
    const unsaid = await ctx.api('POST', `/api/v1/labels/${id}/resume`, { role: 'operator' });
    expect(unsaid.status).toBe(400);
    expect(JSON.stringify(unsaid.body)).toContain('inDoubt');
    const outOfRange = await ctx.api('POST', `/api/v1/labels/${id}/resume`, {
      role: 'operator',
      body: { inDoubt: 'printed', through: 51 },
    });
    expect(outOfRange.status).toBe(400);
    // The person looks at the printer: labels 1–17 came out.
    const resumed = await ctx.api('POST', `/api/v1/labels/${id}/resume`, {
      role: 'operator',
      body: { inDoubt: 'printed', through: 17 },
    });
    expect(resumed.status, resumed.text).toBe(202);
    expect(await finished(id)).toMatchObject({ status: 'done', printed: 60 });
    expect(fake.printed().map((l) => l.data)).toEqual(urls);
    // First the watch resumed it when the printer answered again; then the person settled the doubt.
    const resumes = (
      (await eventsOf(id, 'labels.resumed').orderBy('id')) as { data: Record<string, unknown> }[]
    ).map((e) => e.data);
    expect(resumes.map((d) => d.by)).toEqual(['printer-watch', 'token:test-operator']);
    expect(resumes[1]).toMatchObject({
      pausedFor: 'in-doubt',
      inDoubt: 'printed',
      confirmed: 17,
      requeued: 33,
    });
  });

  it('reprints on request, with who asked and why, and cancels a paused run', async () => {
    const { fake, name } = await zebra();
    const { code, urls } = await build(20);
    const first = await ctx.api('POST', '/api/v1/labels', { body: { build: code, printer: name } });
    await finished(first.body.id as number);
    const noReason = await ctx.api('POST', `/api/v1/labels/${first.body.id as number}/reprint`, {
      role: 'operator',
      body: { labels: '3-4' },
    });
    expect(noReason.status).toBe(400);
    const again = await ctx.api('POST', `/api/v1/labels/${first.body.id as number}/reprint`, {
      role: 'operator',
      body: { labels: '3-4', reason: 'smudged by flux' },
    });
    expect(again.status, again.text).toBe(202);
    expect(again.body).toMatchObject({ reprintOf: first.body.id, reason: 'smudged by flux', total: 2 });
    expect(await finished(again.body.id as number)).toMatchObject({ status: 'done', printed: 2 });
    expect(fake.printed().map((l) => l.data)).toEqual([...urls, urls[2], urls[3]]);

    fake.paperOutAfter(fake.printed().length + 5);
    const run = await ctx.api('POST', '/api/v1/labels', { body: { build: code, printer: name } });
    const id = run.body.id as number;
    await pausedRun(ctx, id);
    const cancelled = await ctx.api('POST', `/api/v1/labels/${id}/cancel`, { role: 'operator' });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', printed: 5 });
    expect(await eventsOf(id, 'labels.cancelled')).toHaveLength(1);
    const again2 = await ctx.api('POST', `/api/v1/labels/${id}/resume`, { role: 'operator' });
    expect(again2.status).toBe(422);
  });

  it('retries a failed print run from its records: nothing printed twice', async () => {
    const { fake, name } = await zebra();
    const { code, urls } = await build(8);
    fake.pause();
    const run = await ctx.api('POST', '/api/v1/labels', { body: { build: code, printer: name } });
    const id = run.body.id as number;
    expect(await pausedRun(ctx, id)).toMatchObject({ pausedState: 'paused', printed: 0 });
    // What the job's settle hook does when the work is given up.
    await settleLabelPrint({ uow: ctx.uow }, id, 'given up for the test');
    expect((await ctx.api('GET', `/api/v1/labels/${id}`)).body).toMatchObject({ status: 'failed' });
    fake.resume();
    const retried = await ctx.api('POST', `/api/v1/labels/${id}/retry`, { role: 'operator' });
    expect(retried.status, retried.text).toBe(202);
    expect(await finished(id)).toMatchObject({ status: 'done', printed: 8 });
    expect(fake.printed().map((l) => l.data)).toEqual(urls);
  });

  it('lets one job at a time send a run, and stops a job that lost its lease', async () => {
    const { fake, name } = await zebra({ speed: 25 });
    const { code, urls } = await build(80);
    const res = await ctx.api('POST', '/api/v1/labels', { body: { build: code, printer: name } });
    const id = res.body.id as number;
    await waitFor(async () => fake.printed().length > 0, 'printing to start');
    const slice = (owner: string) =>
      printLabelRunSlice({ uow: ctx.uow, services: ctx.services }, id, {
        drivers: ctx.services.printers!,
        publicUrl: ctx.config.publicUrl,
        owner,
        sliceMs: 60_000,
        leaseMs: 3_000,
      });
    // A second job while the first holds the run: it is told to come back later, and sends nothing.
    expect(await slice('intruder')).toEqual({ status: 'busy' });
    // The lease taken from the worker's job (as if it had stalled past its lease): it stops sending.
    await ctx
      .db('label_runs')
      .where({ id })
      .update({ lease_owner: 'intruder', lease_until: ctx.db.raw(`now() + interval '1 minute'`) });
    await waitFor(
      async () => {
        const before = fake.printed().length;
        await new Promise((r) => setTimeout(r, 1_500));
        return fake.printed().length === before;
      },
      'the first job to stop',
      20_000,
    );
    expect(fake.printed().length).toBeLessThan(80);
    // The new holder settles what the first left open and prints the rest: each label once.
    expect(await slice('intruder')).toMatchObject({ status: 'finished' });
    expect(fake.printed().map((l) => l.data)).toEqual(urls);
  });

  it('lets admins manage printers and operators print, not viewers', async () => {
    const { name } = await zebra();
    const body = { name: 'Not allowed', driver: 'zpl', address: '10.0.0.9', template: 'zebra-2x1in' };
    expect((await ctx.api('POST', '/api/v1/printers', { role: 'operator', body })).status).toBe(403);
    expect((await ctx.api('GET', '/api/v1/printers', { role: 'viewer' })).status).toBe(200);
    const { code } = await build(1);
    const viewer = await ctx.api('POST', '/api/v1/labels', {
      role: 'viewer',
      body: { build: code, printer: name },
    });
    expect(viewer.status).toBe(403);
    const operator = await ctx.api('POST', '/api/v1/labels', {
      role: 'operator',
      body: { build: code, printer: name },
    });
    expect(operator.status).toBe(202);
    await finished(operator.body.id as number);
  });

  it('refuses what cannot be printed, naming the field, and changes nothing', async () => {
    const { name } = await zebra();
    const bad = await ctx.api('POST', '/api/v1/printers', {
      body: { name: 'Broken', driver: 'zpl', address: 'http://x', template: 'zebra-2x1in' },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('address');
    const dpi = await ctx.api('POST', '/api/v1/printers', {
      body: { name: 'Broken', driver: 'zpl', address: '10.0.0.9', template: 'zebra-2x1in', dpi: 150 },
    });
    expect(dpi.status).toBe(400);
    const dup = await ctx.api('POST', '/api/v1/printers', {
      body: { name: name.toUpperCase(), driver: 'zpl', address: '10.0.0.9', template: 'zebra-2x1in' },
    });
    expect(dup.status).toBe(409);
    const { code } = await build(2);
    const wrongStock = await ctx.api('POST', '/api/v1/labels', {
      body: { build: code, printer: name, template: 'brother-62x29' },
    });
    expect(wrongStock.status).toBe(400);
    expect(JSON.stringify(wrongStock.body)).toContain('template');
    const noDefault = await ctx.api('POST', '/api/v1/labels', { body: { build: code, printer: 'default' } });
    expect(noDefault.status).toBe(400);
    expect(await ctx.db('label_runs').where({ status: 'queued' })).toHaveLength(0);
  });
});
