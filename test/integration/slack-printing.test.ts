/**
 * Printing from Slack (#16): `/printer` adds printers and reads their live status; `/build print`
 * starts a print run and posts one message for it, kept up to date; each pause is told once in the
 * run's thread, however often the fan-out handles its event; Resume puts a paused run back to work.
 *
 * The printer is a test driver (not one of the real drivers): its status connects to the printer's
 * address over TCP, so a closed loopback port reads `unreachable`; it prints every batch it gets.
 */
import { createServer, connect, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute } from '../../src/commands/define.ts';
import { assignPrinter } from '../../src/commands/printers.ts';
import { slackSubscriber } from '../../src/commands/slack.ts';
import type { PrinterDriver, PrinterStatus, PrinterTarget } from '../../src/domain/printers.ts';
import { parseRawAddress } from '../../src/domain/printers.ts';
import { SYSTEM_ACTOR } from '../../src/domain/roles.ts';
import { factories } from '../factories.ts';
import { quiesce, settledBuild, startBackground, waitFor, type Background } from '../helpers/background.ts';
import { type TestContext } from '../helpers/context.ts';
import type { FakeSlack, PostedMessage, SlackSender } from '../helpers/fake-slack.ts';
import { startSlackApp } from '../helpers/slack-app.ts';

const SECRET = 'printing-test-signing-secret';
const ADMIN = 'U0PRTADMIN';
const OPERATOR = 'U0PRTOPS';
const CHANNEL = 'C0PRINTS1';
const PRINTER = 'Zebra line 2';

let fake: FakeSlack;
let ctx: TestContext;
let bg: Background;
let slack: SlackSender;
let project: string;
let port: number;
let listening: Server | null = null;

/** Ready when something listens at the printer's address, unreachable otherwise. */
function probe(target: PrinterTarget): Promise<PrinterStatus> {
  const { host, port: at } = parseRawAddress(target.address);
  return new Promise((resolve) => {
    const socket = connect({ host, port: at });
    const done = (status: PrinterStatus) => (socket.destroy(), resolve(status));
    socket.setTimeout(1_000, () =>
      done({ state: 'unreachable', ready: false, message: `no answer on ${target.address}` }),
    );
    socket.once('connect', () => done({ state: 'ready', ready: true, message: 'ready' }));
    socket.once('error', () =>
      done({ state: 'unreachable', ready: false, message: `no answer on ${target.address}` }),
    );
  });
}

const testDriver: PrinterDriver = {
  name: 'zpl',
  batchSize: () => 50,
  status: (target) => probe(target),
  mark: () => Promise.resolve({}),
  print: (_target, batch) => Promise.resolve({ printed: batch.labels.length, unsettled: 0 }),
  settle: (_target, sent) => Promise.resolve({ printed: sent.count, pending: 0 }),
  encode: () => Promise.resolve(new Uint8Array()),
};

const answerAt = (url: string, index = 0) =>
  fake.waitFor(
    () => fake.responses.filter((r) => url.endsWith(`/respond/${r.id}`))[index]?.body,
    `answer ${index} at ${url}`,
  );
const textOf = (body: Record<string, unknown>) =>
  `${String(body.text ?? '')}\n${JSON.stringify(body.blocks ?? [])}`;
const subjectOf = (m: PostedMessage) => String(m.metadata?.event_payload?.subject ?? '');
/** The latest rendering of a posted message: its post, or its last update. */
function latest(post: PostedMessage): Record<string, unknown> {
  const updates = fake.ok('chat.update').filter((c) => c.args.ts === post.ts);
  return updates.at(-1)?.args ?? (post as unknown as Record<string, unknown>);
}
const actionIds = (body: Record<string, unknown>) =>
  ((body.blocks ?? []) as { type: string; elements?: { action_id: string }[] }[])
    .find((b) => b.type === 'actions')
    ?.elements?.map((e) => e.action_id) ?? [];

async function ask(command: string, text: string, user: string): Promise<string> {
  const sent = await slack.command(command, text, { user, channel: CHANNEL });
  expect(sent.status).toBe(200);
  return String((await answerAt(sent.responseUrl)).text);
}

const runOf = (id: number) => ctx.db('label_runs').where({ id }).first();

beforeAll(async () => {
  ({ fake, ctx, slack } = await startSlackApp(SECRET));
  // Every driver name prints through the test driver (the real drivers have tests of their own).
  Object.assign(ctx.services.printers!, { zpl: testDriver, 'brother-ql': testDriver, ipp: testDriver });
  const f = factories({ uow: ctx.uow });
  const part = await f.part();
  await f.lot({ part: part.code, quantity: 1000 });
  project = (await f.project({ lines: [{ part: part.code, quantity: 1 }] })).code;
  // A loopback port nothing listens on.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  port = (closed.address() as { port: number }).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  bg = await startBackground(ctx);
  await ctx.api('PUT', `/api/v1/slack-users/${ADMIN}`, { body: { role: 'admin' } });
  await ctx.api('PUT', `/api/v1/slack-users/${OPERATOR}`, { body: { role: 'operator' } });
});
afterAll(async () => {
  await bg?.stop();
  await new Promise<void>((resolve) => (listening ? listening.close(() => resolve()) : resolve()));
  await ctx?.close();
  await fake?.close();
});

describe('printing from Slack', () => {
  let build: string;
  let runId: number;
  let runPost: PostedMessage;

  it('adds a printer with /printer add (admins only) and reads its live status with /printer status', async () => {
    const add = `add "${PRINTER}" zpl 127.0.0.1:${port} zebra-2x1in 300`;
    expect(await ask('/printer', add, OPERATOR)).toMatch(/admin/i);
    expect(await ask('/printer', add, ADMIN)).toContain(`Printer *${PRINTER}* added`);
    const status = await ask('/printer', `status ${PRINTER}`, OPERATOR);
    expect(status).toContain(`Printer ${PRINTER}: unreachable`);
    expect(await ask('/printer', 'list', OPERATOR)).toContain(`*${PRINTER}*`);
    // Bad text is answered in the ack with the usage; nothing is handed over.
    const bad = await slack.command('/printer', 'add Zebra zpl', { user: ADMIN, channel: CHANNEL });
    expect(String(bad.json?.text)).toMatch(/address[\s\S]*Usage/);
  });

  it('/build print starts a print run on the printer and posts one message for it', async () => {
    const started = await ask('/build', `start ${project} 5 track`, OPERATOR);
    build = /Build (\w{10})/.exec(started)![1]!;
    await settledBuild(ctx, build, (b) => (b.progress as { generated: number }).generated === 5);
    expect(await ask('/build', `print ${build} ${PRINTER}`, OPERATOR)).toContain(
      `Printing 5 labels of build ${build} on ${PRINTER}`,
    );
    const run = await ctx.db('label_runs').whereNotNull('printer_id').orderBy('id', 'desc').first();
    runId = Number(run.id);
    const printer = await ctx.db('printers').where({ id: run.printer_id }).first();
    expect(printer.name).toBe(PRINTER);
    runPost = await fake.waitFor(
      () => fake.messages.find((m) => subjectOf(m) === `print:${runId}`),
      'the run message',
    );
    expect(runPost.channel).toBe(CHANNEL);
    expect(runPost.thread_ts).toBeUndefined();
    const stored = await ctx
      .db('slack_messages')
      .where({ subject: `print:${runId}` })
      .first();
    expect(stored).toMatchObject({ kind: 'build', label_run_id: run.id });
    // The printer is unreachable: the run pauses, and its message says so, with Resume and Cancel.
    await waitFor(async () => (await runOf(runId)).status === 'paused', 'the run to pause');
    await quiesce(ctx);
    const shown = latest(runPost);
    expect(textOf(shown)).toContain(`Paused at 0 of 5 labels of build ${build} on ${PRINTER}`);
    expect(actionIds(shown)).toEqual(['print_resume', 'print_cancel']);
    expect(fake.messages.filter((m) => subjectOf(m) === `print:${runId}`)).toHaveLength(1);
  });

  it('tells each pause once, in the run message thread, even when the fan-out handles it twice', async () => {
    const paused = await ctx.db('events').where({ type: 'labels.paused' }).orderBy('id', 'desc').first();
    const notices = () => fake.messages.filter((m) => subjectOf(m).startsWith(`print:${runId}:paused:`));
    await fake.waitFor(() => notices().length > 0, 'the pause notice');
    // The fan-out handles the same event again (a batch that failed and ran again).
    await ctx.uow.transaction(async (repos) => {
      const event = (await repos.events.findById(Number(paused.id)))!;
      await slackSubscriber.handle([event], repos, {} as never);
    });
    await quiesce(ctx);
    expect(notices()).toHaveLength(1);
    const [notice] = notices();
    expect(subjectOf(notice!)).toBe(`print:${runId}:paused:${paused.id}`);
    expect(notice).toMatchObject({ channel: CHANNEL, thread_ts: runPost.ts, reply_broadcast: true });
    expect(notice!.text).toBe(
      `:printer: ${PRINTER}: no answer on 127.0.0.1:${port} — 0 of 5 printed. It goes on by itself when the printer is ready again.`,
    );
  });

  it('Resume puts the paused run back to printing (labels.resumed), and it prints', async () => {
    // The printer comes back.
    listening = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => listening!.listen(port, '127.0.0.1', resolve));
    const pressed = await slack.button('print_resume', String(runId), { user: OPERATOR, channel: CHANNEL });
    expect(pressed.status).toBe(200);
    expect(String((await answerAt(pressed.responseUrl)).text)).toContain(
      `Print run ${runId} of build ${build} resumed`,
    );
    const resumed = await ctx.db('events').where({ type: 'labels.resumed' }).first();
    expect(resumed.data).toMatchObject({ run: runId, pausedFor: 'unreachable', by: `slack:${OPERATOR}` });
    await waitFor(async () => (await runOf(runId)).status === 'done', 'the run to print');
    await quiesce(ctx);
    const shown = latest(runPost);
    expect(textOf(shown)).toContain(`Printed 5 labels of build ${build} on ${PRINTER}`);
    expect(actionIds(shown)).toEqual([]);
  });

  it('a viewer cannot resume or cancel a run; the build message gets a Print button once the project has a printer', async () => {
    const pressed = await slack.button('print_cancel', String(runId), {
      user: 'U0PRTVIEW',
      channel: CHANNEL,
    });
    expect(String((await answerAt(pressed.responseUrl)).text)).toMatch(/operator/);
    await execute(ctx, assignPrinter, SYSTEM_ACTOR, { scope: 'project', code: project, printer: PRINTER });
    const started = await ask('/build', `start ${project} 2 track`, OPERATOR);
    const second = /Build (\w{10})/.exec(started)![1]!;
    await settledBuild(ctx, second, (b) => (b.progress as { generated: number }).generated === 2);
    await quiesce(ctx);
    const post = fake.messages.find((m) => subjectOf(m) === `build:${second}`)!;
    expect(actionIds(latest(post))).toContain('build_print');
    const print = await slack.button('build_print', second, { user: OPERATOR, channel: CHANNEL });
    expect(String((await answerAt(print.responseUrl)).text)).toContain(
      `Printing 2 labels of build ${second} on ${PRINTER}`,
    );
  });

  it("tells a pause of a run not asked for in Slack under its build's message", async () => {
    // The printer goes away again; labels of the first build are asked for through the API.
    await new Promise<void>((resolve) => listening!.close(() => resolve()));
    listening = null;
    const res = await ctx.api('POST', '/api/v1/labels', {
      role: 'operator',
      body: { build, printer: PRINTER },
    });
    expect(res.status, res.text).toBe(202);
    const id = Number(res.body.id);
    await waitFor(async () => (await runOf(id)).status === 'paused', 'the run to pause');
    await quiesce(ctx);
    const buildPost = fake.messages.find((m) => subjectOf(m) === `build:${build}`)!;
    const notices = fake.messages.filter((m) => subjectOf(m).startsWith(`print:${id}:paused:`));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ thread_ts: buildPost.ts, reply_broadcast: true });
    expect(notices[0]!.text).toContain('It goes on by itself when the printer is ready again.');
    expect(fake.messages.filter((m) => subjectOf(m) === `print:${id}`)).toHaveLength(0);
  });
});
