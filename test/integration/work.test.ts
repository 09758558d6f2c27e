/**
 * Durable work through the API, the reconciler and real workers: the doctor (API and CLI), a pass on
 * request, work whose job is lost redriven (recall, label run, event fan-out, webhook delivery) or
 * settled, failed label runs and recalls retried, stock reserved by an accepted start, and a serial
 * format that would print serials again. The test runs each reconciler pass and starts and stops the
 * workers around them, so every step is deterministic.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/domain/roles.ts';
import type { QueueName } from '../../src/queue/routing.ts';
import { factories } from '../factories.ts';
import {
  quiesce,
  relayOnce,
  settledBuild,
  startBackground,
  waitFor,
  type Background,
} from '../helpers/background.ts';
import { createTestContext, type ApiResponse, type TestContext } from '../helpers/context.ts';
import { subscribedReceiver } from '../helpers/deliveries.ts';
import { expectLedgerBalanced } from '../helpers/ledger.ts';
import { doctor, expectDoctorClean } from '../helpers/doctor.ts';
import { ROOT, processEnv } from '../helpers/processes.ts';
import type { WebhookReceiver } from '../helpers/webhook-receiver.ts';

const ENV = {
  RECONCILE_GRACE_MS: '0',
  RECONCILE_MAX_REDRIVES: '2',
  JOB_ATTEMPTS: '2',
  JOB_BACKOFF_MS: '50',
  WEBHOOK_ALLOW_LIST: '127.0.0.1',
};

let ctx: TestContext;
let bg: Background | undefined;

beforeAll(async () => {
  ctx = await createTestContext({ env: ENV });
});
afterEach(async () => {
  await bg?.stop();
  bg = undefined;
});
afterAll(() => ctx?.close());

const f = () => factories({ uow: ctx.uow });
const post = (path: string, body: unknown = {}, role: Role = 'admin') =>
  ctx.api('POST', `/api/v1${path}`, { role, body });
const get = async (path: string) => (await ctx.api('GET', `/api/v1${path}`)).body;
/** The body of an answer that must have `status`. */
function answered(res: ApiResponse, status: number) {
  expect(res.status, res.text).toBe(status);
  return res.body;
}

/** Workers and the relay running in this process (as a worker process would). */
const workersOn = async () => void (bg ??= await startBackground(ctx));
/** No worker: what is requested from now on stays in the outbox until the test relays it. */
async function workersOff(): Promise<void> {
  if (!bg) return;
  await quiesce(ctx);
  await bg.stop();
  bg = undefined;
}

/** Hands the outbox to the queue, as a worker process's relay does. */
const relay = () => relayOnce(ctx);
/** Removes a job from the queue behind the app's back, before any worker sees it. */
async function lose(queue: QueueName, jobId: string): Promise<void> {
  const job = await ctx.queues.getJob(queue, jobId);
  expect(job, `job ${jobId} in the queue`).toBeDefined();
  await job!.remove();
}
const relayAndLose = async (queue: QueueName, jobId: string) => (await relay(), lose(queue, jobId));

/** One reconciler pass; what it found of `subject`. */
async function pass(subject: string) {
  const report = await ctx.reconciler.runOnce();
  expect(report.ran).toBe(true);
  return report.findings.filter((x) => x.subject === subject);
}

/** The doctor finds nothing wrong once the workers are idle (it reads the database, then the queue). */
async function doctorCleanWhenIdle() {
  await quiesce(ctx);
  return expectDoctorClean(ctx);
}

const actions = (subject: string) =>
  ctx.db('work_actions').where({ subject }).orderBy('id').select('action', 'cause', 'job_id');
const eventsOf = (stream: string, type: string) =>
  ctx.db('events').where({ stream, type }).orderBy('id').pluck('data') as Promise<Record<string, unknown>[]>;

/** Polls `GET path` until its status is one of `statuses`. */
const until = (path: string, ...statuses: string[]) =>
  waitFor(
    async () => {
      const body = await get(path);
      return statuses.includes(body.status as string) ? body : undefined;
    },
    `${path} to be ${statuses.join(' or ')}`,
  );

/** `quantity/reserved` of each lot, as the API shows them. */
const held = (...codes: string[]) =>
  Promise.all(codes.map(async (c) => get(`/lots/${c}`).then((l) => `${l.quantity}/${l.reserved}`)));

/** A recall whose job is lost three times before any worker runs: redriven twice, then settled. */
async function recallSettledByReconciler(): Promise<number> {
  const recall = answered(await post('/recalls', { lot: (await f().lot()).code, reason: 'bad reel' }), 202);
  const id = recall.id as number;
  for (const [jobId, action] of [
    [`recall-${id}`, 'redrive'],
    [`recall-${id}-r1`, 'redrive'],
    [`recall-${id}-r2`, 'settle'],
  ] as const) {
    await relayAndLose('trace', jobId);
    const found = (await pass(`recall:${id}`)).map((x) => [x.carrierJobId, x.decision.action, x.outcome]);
    expect(found).toEqual([[jobId, action, 'done']]);
  }
  return id;
}

/** `buildtrace doctor --json` as an operator runs it on the context's database and queues. */
async function cliDoctor(): Promise<{ code: number; stdout: string; stderr: string }> {
  const { PATH = '', HOME = '' } = process.env;
  const env = { PATH, HOME, LOG_LEVEL: 'warn', ...processEnv(ctx, { RECONCILE_GRACE_MS: '0' }) };
  const args = ['--import', 'tsx', 'src/main/cli.ts', 'doctor', '--json'];
  return promisify(execFile)(process.execPath, args, { cwd: ROOT, env }).then(
    (ok) => ({ code: 0, ...ok }),
    (failed: { code: number; stdout: string; stderr: string }) => failed,
  );
}

/** A receiver subscribed to `eventTypes` through a webhook endpoint, and that endpoint's id. */
async function subscribed(eventTypes: string[]): Promise<{ receiver: WebhookReceiver; endpoint: number }> {
  const receiver = await subscribedReceiver(ctx, eventTypes);
  const list = (await get('/webhook-endpoints')).items as Record<string, unknown>[];
  return { receiver, endpoint: list.find((e) => e.url === receiver.url)!.id as number };
}
async function unsubscribe({ receiver, endpoint }: { receiver: WebhookReceiver; endpoint: number }) {
  answered(await ctx.api('DELETE', `/api/v1/webhook-endpoints/${endpoint}`), 204);
  await receiver.close();
}

describe('the doctor', () => {
  it('finds no problem on a clean database, names the build whose outcome event breaks a rule, and the CLI exits accordingly', async () => {
    const clean = await expectDoctorClean(ctx);
    expect(clean.invariants!.length, 'every rule checked, none broken').toBeGreaterThan(0);
    const ok = await cliDoctor();
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ problems: 0 });

    const project = await f().project({ lines: [{ part: (await f().lot()).partCode, quantity: 1 }] });
    const planned = answered(
      await post('/builds', { project: project.code, quantity: 1, start: false }),
      201,
    );
    const code = (planned.build as { code: string }).code;
    const [bad] = (await ctx
      .db('events')
      .insert({ type: 'build.completed', stream: `build:${code}`, sequence: 1, data: { build: code } })
      .returning('id')) as { id: number }[];
    try {
      const broken = await doctor(ctx);
      expect(broken.problems).toBeGreaterThan(0);
      expect(broken.invariants!.find((c) => c.name === 'one_outcome_event_per_build')).toMatchObject({
        violations: 1,
        examples: [code],
      });
      const skipped = answered(await ctx.api('GET', '/api/v1/work?invariants=false'), 200);
      expect(skipped).toMatchObject({ invariants: null, problems: 0 });
      const failing = await cliDoctor();
      expect(failing.code, failing.stderr).toBe(1);
      const report = JSON.parse(failing.stdout) as { problems: number; invariants: { examples: string[] }[] };
      expect(report.problems).toBeGreaterThan(0);
      expect(report.invariants.flatMap((c) => c.examples)).toContain(code);
    } finally {
      await ctx.db('events').where(bad!).delete();
    }
    await expectDoctorClean(ctx);
  });

  it('runs a reconciler pass when an admin asks, and refuses viewers and operators', async () => {
    const res = answered(await post('/work/reconcile'), 200);
    expect(res).toMatchObject({ pass: { ran: true, stranded: [] }, problems: 0 });
    for (const role of ['viewer', 'operator'] as const)
      expect((await post('/work/reconcile', {}, role)).status).toBe(403);
  });
});

describe('stranded work', () => {
  it('redrives a recall whose job keeps vanishing twice, settles it on the third loss, and a retry writes the report', async () => {
    const id = await recallSettledByReconciler();
    const subject = `recall:${id}`;
    expect(await actions(subject)).toEqual([
      { action: 'redrive', cause: 'missing', job_id: `recall-${id}-r1` },
      { action: 'redrive', cause: 'missing', job_id: `recall-${id}-r2` },
      { action: 'settle', cause: 'missing', job_id: null },
    ]);
    const failed = await get(`/recalls/${id}`);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/stopped 3 times without getting further; last: its job is gone/);
    expect(await eventsOf(subject, 'recall.failed')).toEqual([
      expect.objectContaining({ recall: id, reason: failed.error }),
    ]);
    const report = await doctor(ctx);
    expect(report.problems).toBe(0);
    expect(report.awaitingAction).toContainEqual(expect.objectContaining({ subject, reason: failed.error }));

    await workersOn();
    const retried = answered(await post(`/recalls/${id}/retry`, {}, 'operator'), 202);
    expect(retried).toMatchObject({ status: 'queued', error: null });
    expect(await until(`/recalls/${id}`, 'done', 'failed')).toMatchObject({
      status: 'done',
      report: `/api/v1/recalls/${id}/report.csv`,
    });
    expect((await actions(subject)).at(-1)).toEqual({
      action: 'redrive',
      cause: 'retry',
      job_id: `recall-${id}-r3`,
    });
    expect(await eventsOf(subject, 'recall.ready')).toHaveLength(1);
    await doctorCleanWhenIdle();
  });

  it('gives a recall a person retried a fresh redrive budget: the retried job lost once is redriven, not settled', async () => {
    const id = await recallSettledByReconciler();
    answered(await post(`/recalls/${id}/retry`, {}, 'operator'), 202);
    await relayAndLose('trace', `recall-${id}-r3`);
    // The retry is logged as a redrive; it must not count as one that got no further.
    const [found] = await pass(`recall:${id}`);
    expect(found?.decision, 'a retried recall whose job was lost once').toMatchObject({ action: 'redrive' });
    await workersOn();
    expect(await until(`/recalls/${id}`, 'done', 'failed')).toMatchObject({ status: 'done' });
  });

  it('fails a label run whose rendering keeps failing, with its reason and labels.failed; a retry renders it once the cause is gone', async () => {
    const { code } = await f().lot();
    // A fault planted in the database (an internal error: retried, then given up): no run may be done.
    await ctx.db.raw(`
      CREATE FUNCTION planted_label_fault() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'planted fault: label run % refused', NEW.id USING ERRCODE = 'XX000'; END $$;
      CREATE TRIGGER planted_label_fault BEFORE UPDATE ON label_runs FOR EACH ROW
        WHEN (NEW.status = 'done') EXECUTE FUNCTION planted_label_fault();`);
    let id: number;
    try {
      await workersOn();
      id = answered(await post('/labels', { lots: [code] }, 'operator'), 202).id as number;
      const failed = await until(`/labels/${id}`, 'failed', 'done');
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(
        RegExp(`gave up after 2 attempts: .*planted fault: label run ${id} refused`),
      );
      expect(await eventsOf(`labels:${id}`, 'labels.failed')).toEqual([
        expect.objectContaining({ run: id, labels: 1, reason: failed.error }),
      ]);
    } finally {
      await ctx.db.raw('DROP TRIGGER IF EXISTS planted_label_fault ON label_runs');
      await ctx.db.raw('DROP FUNCTION IF EXISTS planted_label_fault()');
    }
    const retried = answered(await post(`/labels/${id}/retry`, {}, 'operator'), 202);
    expect(retried).toMatchObject({ status: 'queued', done: 0, error: null });
    expect(await until(`/labels/${id}`, 'done', 'failed')).toMatchObject({
      status: 'done',
      done: 1,
      download: `/api/v1/labels/${id}/pdf`,
    });
    expect(await actions(`label_run:${id}`)).toEqual([
      { action: 'redrive', cause: 'retry', job_id: `labels-${id}-r1` },
    ]);
    const again = answered(await post(`/labels/${id}/retry`, {}, 'operator'), 422);
    expect(again.detail).toMatch(/is done: only a failed run is rendered again/);
    await doctorCleanWhenIdle();
  });

  it('hands a queued label run whose job is gone to a fresh job, which renders it', async () => {
    const { code } = await f().lot();
    const id = answered(await post('/labels', { lots: [code] }, 'operator'), 202).id as number;
    await relayAndLose('labels', `labels-${id}`);
    const seen = await doctor(ctx);
    expect(seen.problems).toBe(1);
    expect(seen.stranded!.stranded).toEqual([
      expect.objectContaining({ subject: `label_run:${id}`, action: 'redrive', cause: 'missing' }),
    ]);
    expect((await pass(`label_run:${id}`)).map((x) => x.outcome)).toEqual(['done']);
    await workersOn();
    expect(await until(`/labels/${id}`, 'done', 'failed')).toMatchObject({ status: 'done', done: 1 });
    expect(await actions(`label_run:${id}`)).toEqual([
      { action: 'redrive', cause: 'missing', job_id: `labels-${id}-r1` },
    ]);
    await doctorCleanWhenIdle();
  });

  it('fans out relayed events whose fan-out job was removed, delivering each to a subscriber once', async () => {
    const sub = await subscribed(['lot.*']);
    try {
      const { code } = await f().lot();
      answered(await post(`/lots/${code}/quarantine`, { reason: 'suspect' }), 200);
      const ids = (await ctx
        .db('events')
        .where({ stream: `lot:${code}` })
        .pluck('id')) as number[];
      expect(ids.length).toBeGreaterThan(0);
      await relay();
      const [job] = (await ctx.db('events').whereIn('id', ids).distinct().pluck('fanout_job')) as string[];
      await lose('webhooks', job!);
      expect((await pass(`event_fanout:${job}`)).map((x) => [x.decision.action, x.outcome])).toEqual([
        ['redrive', 'done'],
      ]);
      expect(await actions(`event_fanout:${job}`)).toEqual([
        { action: 'redrive', cause: 'missing', job_id: `${job}-r1` },
      ]);
      await workersOn();
      await waitFor(async () => sub.receiver.requests.length >= ids.length, 'the deliveries');
      await quiesce(ctx);
      expect(await ctx.db('events').whereIn('id', ids).whereNull('fanned_out_at')).toEqual([]);
      const received = sub.receiver.requests.map((r) => (r.payload as { type: string }).type);
      const types = (await ctx.db('events').whereIn('id', ids).pluck('type')) as string[];
      expect(received.sort()).toEqual(types.sort());
      expect(sub.receiver.requests.every((r) => r.verifiedWith.length === 1)).toBe(true);
      const statuses = await ctx.db('webhook_deliveries').whereIn('event_id', ids).pluck('status');
      expect(statuses).toEqual(ids.map(() => 'succeeded'));
      await doctorCleanWhenIdle();
    } finally {
      await unsubscribe(sub);
    }
  });

  it('redrives a pending webhook delivery whose job is gone, and the receiver gets it once', async () => {
    const sub = await subscribed(['recall.ready']);
    try {
      const id = answered(await post(`/webhook-endpoints/${sub.endpoint}/test`), 202).id as number;
      await relayAndLose('webhooks', `delivery-${id}-1`);
      expect((await pass(`webhook_delivery:${id}`)).map((x) => [x.decision.action, x.outcome])).toEqual([
        ['redrive', 'done'],
      ]);
      await workersOn();
      expect(await until(`/webhook-deliveries/${id}`, 'succeeded', 'failed')).toMatchObject({
        status: 'succeeded',
      });
      await quiesce(ctx);
      expect(sub.receiver.requests).toHaveLength(1);
      expect(sub.receiver.requests[0]!.payload).toMatchObject({ type: 'webhook.ping' });
      expect(await actions(`webhook_delivery:${id}`)).toEqual([
        { action: 'redrive', cause: 'missing', job_id: `delivery-${id}-1-r1` },
      ]);
      await doctorCleanWhenIdle();
    } finally {
      await unsubscribe(sub);
    }
  });
});

describe('reservations', () => {
  it('holds the stock of an accepted start until it runs, refuses taking it, and gives it back on cancel or a refused start', async () => {
    // Ten boards and two module units (devices); the product takes 2 boards and 1 module per unit.
    await workersOn();
    const module = await f().part({ name: 'Module', kind: 'subassembly' });
    const board = await f().part({ name: 'Board' });
    const boards = (await f().lot({ part: board.code, quantity: 10 })).code;
    const modules = await f().project({
      produces: module.code,
      lines: [{ part: (await f().lot()).partCode, quantity: 1 }],
    });
    const made = answered(
      await post('/builds', { project: modules.code, quantity: 2, trackUnits: true }),
      201,
    );
    const modulesBuild = (made.build as { code: string }).code;
    await settledBuild(ctx, modulesBuild, (b) => b.status === 'completed');
    const units = ((await get(`/builds/${modulesBuild}/units`)).items as { code: string }[]).map(
      (u) => u.code,
    );
    const product = await f().project({
      lines: [
        { part: board.code, quantity: 2 },
        { part: module.code, quantity: 1 },
      ],
    });
    const start = async () => {
      const { build } = answered(await post('/builds', { project: product.code, quantity: 2 }), 201);
      expect(build).toMatchObject({ status: 'starting' });
      return (build as { code: string }).code;
    };

    await workersOff();
    const cancelled = await start();
    expect(await held(boards, ...units)).toEqual(['10/4', '1/1', '1/1']);
    const shown = (await get(`/builds/${cancelled}`)).reserved as { lotCode: string; quantity: number }[];
    expect(shown.map((r) => `${r.lotCode} ${r.quantity}`).sort()).toEqual(
      [`${boards} 4`, ...units.map((u) => `${u} 1`)].sort(),
    );
    for (const [path, body] of [
      [`/lots/${boards}/adjust`, { delta: -7, reason: 'count' }],
      [`/lots/${boards}/split`, { quantity: 7 }],
    ] as const)
      expect(answered(await post(path, body), 422).detail).toMatch(
        /holds 10, of which 4 is reserved for builds being started/,
      );
    expect(answered(await post(`/lots/${units[0]}/scrap`, { reason: 'dropped' }), 422).detail).toMatch(
      /of which 1 is reserved for builds being started/,
    );
    // Scrapping it as one of its build's units meets the database's own rule, in words.
    expect(
      answered(await post(`/builds/${modulesBuild}/units/scrap`, { serials: '1-2', reason: 'dropped' }), 422)
        .detail,
    ).toMatch(/reserved for a build whose start was accepted/);
    expect(await held(boards)).toEqual(['10/4']);

    answered(await post(`/builds/${cancelled}/cancel`, { reason: 'plans changed' }), 202);
    await workersOn();
    await settledBuild(ctx, cancelled, (b) => b.status === 'cancelled');
    expect(await held(boards, ...units)).toEqual(['10/0', '1/0', '1/0']);
    expect((await get(`/builds/${cancelled}/consumption`)).items).toEqual([]);

    // A start the worker refuses: the reserved boards were quarantined before it ran.
    await workersOff();
    const refused = await start();
    answered(await post(`/lots/${boards}/quarantine`, { reason: 'defect' }), 200);
    await workersOn();
    const planned = await settledBuild(ctx, refused, (b) => b.status !== 'starting');
    expect(planned).toMatchObject({ status: 'planned', reserved: [] });
    const startError = planned.startError as { message: string };
    expect(startError).toMatchObject({
      message: expect.stringMatching(/not enough stock to start build .*Board.*needs 4, 0 available/),
      shortages: [expect.objectContaining({ part: board.code, needed: 4, available: 0 })],
    });
    expect(await held(boards, ...units)).toEqual(['10/0', '1/0', '1/0']);
    expect(await eventsOf(`build:${refused}`, 'build.operation_failed')).toEqual([
      expect.objectContaining({ operation: 'start', status: 'planned', reason: startError.message }),
    ]);
    expect((await doctor(ctx)).awaitingAction).toContainEqual(
      expect.objectContaining({ subject: `build:${refused}` }),
    );

    answered(await post(`/lots/${boards}/release`), 200);
    answered(await post(`/builds/${refused}/retry`), 202);
    const completed = await settledBuild(ctx, refused, (b) => b.status === 'completed');
    expect(completed).toMatchObject({ startError: null, reserved: [] });
    expect(await held(boards, ...units)).toEqual(['6/0', '0/0', '0/0']);
    await expectLedgerBalanced(ctx);
    await doctorCleanWhenIdle();
  });

  it('refuses a build whose serial format would print serials already printed, naming them, and takes nothing', async () => {
    const board = await f().part({ name: 'Board' });
    const boards = (await f().lot({ part: board.code, quantity: 50 })).code;
    const project = await f().project({
      serialFormat: 'WT-{seq}',
      lines: [{ part: board.code, quantity: 1 }],
    });
    // WT-1 … WT-12 were printed before (say, by an earlier system): three blocks of four collide.
    const codes = await ctx.uow.transaction((repos) => repos.idCodes.allocate(12));
    await ctx.db('lots').insert(
      codes.map((code, i) => ({
        code,
        part_id: project.producesPartId,
        quantity: 0,
        status: 'scrapped',
        source: 'import',
        serial_label: `WT-${i + 1}`,
      })),
    );
    const refused = answered(
      await post('/builds', { project: project.code, quantity: 4, trackUnits: true }),
      422,
    );
    expect(refused.detail).toMatch(/serial format 'WT-\{seq\}' would repeat formatted serials already used/);
    expect(refused.detail).toMatch(/WT-9, WT-10, WT-11, WT-12/);
    expect(await held(boards)).toEqual(['50/0']);
    expect(await ctx.db('builds').where({ project_id: project.id })).toEqual([]);
    expect(await ctx.db('stock_reservations')).toEqual([]);
    expect((await get(`/lots/${boards}/ledger`)).items).toHaveLength(1);
    await expectDoctorClean(ctx);
  });
});
