/**
 * Slack chat-ops end to end: correctly signed slash commands, buttons and the modal sent to the real
 * Express app (Bolt mounted at /slack/events), real workers, and a fake Slack Web API and
 * response_url server on 127.0.0.1 that records what follows — the ack, then the answers,
 * postMessage / update of the build's message with its progress bar, the completion reply in its
 * thread, views.open, and the three upload steps of a label PDF.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute } from '../../src/commands/define.ts';
import { listLotHistory } from '../../src/commands/history.ts';
import { SYSTEM_ACTOR } from '../../src/domain/roles.ts';
import { factories } from '../factories.ts';
import { settledBuild, startBackground, type Background } from '../helpers/background.ts';
import { databaseFingerprint, type TestContext } from '../helpers/context.ts';
import type { FakeSlack, PostedMessage, SlackSender } from '../helpers/fake-slack.ts';
import { startSlackApp } from '../helpers/slack-app.ts';

const SECRET = 'slack-test-signing-secret';
const OPERATOR = 'U0OPERATOR';
const VIEWER = 'U0VIEWER';
const CHANNEL = 'C0PROD1';

let fake: FakeSlack;
let ctx: TestContext;
let bg: Background;
let slack: SlackSender;
let f: ReturnType<typeof factories>;

/** A project (two components in stock) named `name`. */
async function project(name: string) {
  const r = await f.part({ name: 'R 10k' });
  const u = await f.part({ name: 'MCU' });
  await f.lot({ part: r.code, quantity: 100_000, supplier: 'Mouser', dateCode: '2601' });
  await f.lot({ part: u.code, quantity: 50_000, supplier: 'DigiKey' });
  return f.project({
    name,
    lines: [
      { part: r.code, quantity: 2, designators: ['R1', 'R2'] },
      { part: u.code, quantity: 1, designators: ['U1'] },
    ],
  });
}

/** The answer posted to a response_url. */
const answerAt = (url: string) =>
  fake.waitFor(
    () => fake.responses.find((r) => url.endsWith(`/respond/${r.id}`))?.body,
    `an answer at ${url}`,
  );

const textOf = (m: { text?: unknown; blocks?: unknown }) =>
  `${String(m.text ?? '')} ${JSON.stringify(m.blocks ?? [])}`;

/** Slack messages about a build, in the order posted. */
const postsAbout = (code: string) =>
  fake.messages.filter((m) => m.metadata?.event_payload?.subject === `build:${code}`);
const buildMessageOf = (code: string) =>
  fake.waitFor(() => postsAbout(code)[0], `the message of build ${code}`);
const updatesOf = (m: PostedMessage) => fake.ok('chat.update').filter((c) => c.args.ts === m.ts);

/**
 * The three upload steps of the label PDF whose comment contains `comment`, checked: an upload URL
 * for the file, its bytes (a PDF of the announced length), the upload completed into the channel —
 * in that order, each once.
 */
async function uploadSteps(comment: string, timeoutMs?: number) {
  const completed = await fake.waitFor(
    () =>
      fake
        .ok('files.completeUploadExternal')
        .find((c) => String(c.args.initial_comment ?? '').includes(comment)),
    `the upload of "${comment}" to complete`,
    timeoutMs,
  );
  const [file, ...others] = completed.args.files as { id: string; title: string }[];
  expect(others).toEqual([]);
  const urlSteps = fake.ok('files.getUploadURLExternal').filter((c) => c.result?.file_id === file!.id);
  const uploads = fake.uploads.filter((u) => u.fileId === file!.id);
  expect(urlSteps).toHaveLength(1);
  expect(uploads).toHaveLength(1);
  const [urlStep, upload] = [urlSteps[0]!, uploads[0]!];
  const code = /build (\w{10})/.exec(comment)?.[1];
  expect(urlStep.args).toMatchObject({ filename: `labels-${code}.pdf` });
  expect(Number(urlStep.args.length)).toBe(upload.bytes.length);
  expect(upload.contentType).toBe('application/pdf');
  expect(upload.bytes.subarray(0, 5).toString()).toBe('%PDF-');
  expect(completed.args).toMatchObject({
    channel_id: CHANNEL,
    files: [{ id: file!.id, title: `Labels, build ${code}` }],
  });
  expect(urlStep.at).toBeLessThanOrEqual(upload.at);
  expect(upload.at).toBeLessThanOrEqual(completed.at);
  expect(
    fake.ok('files.completeUploadExternal').filter((c) => JSON.stringify(c.args.files).includes(file!.id)),
  ).toHaveLength(1);
  return { urlStep, upload, completed };
}

async function startFromSlack(text: string): Promise<string> {
  const sent = await slack.command('/build', text, { user: OPERATOR });
  expect(sent.status).toBe(200);
  const answer = await answerAt(sent.responseUrl);
  const code = /Build (\w{10}) of/.exec(String(answer.text))?.[1];
  expect(code, JSON.stringify(answer)).toBeDefined();
  return code!;
}

beforeAll(async () => {
  ({ fake, ctx, slack } = await startSlackApp(SECRET, { GENERATION_CHUNK_SIZE: '25', JOB_LOCK_MS: '5000' }));
  f = factories({ uow: ctx.uow });
  bg = await startBackground(ctx);
  await ctx.api('PUT', `/api/v1/slack-users/${OPERATOR}`, { body: { role: 'operator', name: 'Line 1' } });
  await ctx.api('PUT', `/api/v1/slack-users/${VIEWER}`, { body: { role: 'viewer' } });
});
afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
  await fake?.close();
});

describe('/build start and the build message', () => {
  let code: string;

  it('acknowledges at once, answers, posts one message with buttons and updates its progress bar', async () => {
    await project('Weather station');
    const sent = await slack.command('/build', 'start "Weather station" 1500 track stages SMT,Test', {
      user: OPERATOR,
    });
    expect(sent.status).toBe(200);
    expect(sent.text).toBe('');
    const answer = await answerAt(sent.responseUrl);
    expect(answer).toMatchObject({ response_type: 'ephemeral' });
    expect(answer.text).toMatch(
      /^Build \w{10} of \*Weather station\* × 1,500 requested, one serial number per device in stages SMT, Test/,
    );
    code = /Build (\w{10})/.exec(String(answer.text))![1]!;

    const message = await buildMessageOf(code);
    expect(message.channel).toBe(CHANNEL);
    const post = fake
      .ok('chat.postMessage')
      .find((c) => c.args.ts === undefined && textOf(c.args).includes(code))!;
    expect(post.token).toBe('xoxb-test-token');
    expect(post.args.metadata).toEqual({
      event_type: 'buildtrace_message',
      event_payload: { subject: `build:${code}` },
    });

    // While units are generated, chat.update shows the progress bar (one update per 10% at most).
    const progress = await fake.waitFor(
      () => updatesOf(message).find((u) => /Generating units:\*? [▓░]{10} \d{1,2}% /.test(textOf(u.args))),
      'a progress update',
    );
    expect(textOf(progress.args)).toMatch(/\(\d[\d,]*\/1,500\)/);
    const done = await fake.waitFor(
      () => updatesOf(message).find((u) => textOf(u.args).includes('1,500 units with serials 1–1,500')),
      'the update after generation',
    );
    const actions = (done.args.blocks as { type: string; elements?: Record<string, unknown>[] }[]).find(
      (b) => b.type === 'actions',
    )!;
    // Stages are open: the next step is Advance (Complete would be refused until they are done).
    expect(actions.elements!.map((e) => [e.action_id, e.value])).toEqual([
      ['build_advance', code],
      ['build_labels', code],
      ['build_cancel', code],
    ]);
    // Only Cancel asks first: Slack shows this dialog and sends the action only when confirmed.
    const [advance, labels, cancel] = actions.elements!;
    expect(advance!.confirm).toBeUndefined();
    expect(labels!.confirm).toBeUndefined();
    expect(cancel).toMatchObject({ type: 'button', style: 'danger' });
    expect(cancel!.confirm).toEqual({
      title: { type: 'plain_text', text: 'Cancel this build?' },
      text: {
        type: 'mrkdwn',
        text: `Build ${code} stops: unconsumed components go back to their lots and its in-production stock is removed.`,
      },
      confirm: { type: 'plain_text', text: 'Cancel build' },
      deny: { type: 'plain_text', text: 'Keep it' },
      style: 'danger',
    });
    expect(textOf(done.args)).toContain(':arrow_forward: SMT');
    expect(updatesOf(message).length).toBeLessThanOrEqual(14);
    expect(postsAbout(code)).toHaveLength(1);
    // The bucket of each progress report names its update job: one job per 10% step.
    const progressJobs = await ctx
      .db('job_outbox')
      .where('job_id', 'like', `slack-message-%-progress-%`)
      .pluck('job_id');
    expect(new Set(progressJobs).size).toBe(progressJobs.length);
  });

  it('advances stages, then the Complete button completes it and a thread reply gives the counts', async () => {
    for (const stage of ['SMT', 'Test']) {
      const sent = await slack.command('/build', `advance ${code} ${stage} done`, { user: OPERATOR });
      expect(sent.status).toBe(200);
      expect((await answerAt(sent.responseUrl)).text).toBe(
        `Completing the next stage of build ${code} requested.`,
      );
      await settledBuild(ctx, code);
    }
    const message = await buildMessageOf(code);
    const pressed = await slack.button('build_complete', code, { user: OPERATOR, messageTs: message.ts });
    expect(pressed.status).toBe(200);
    expect((await answerAt(pressed.responseUrl)).text).toBe(`Completion of build ${code} requested.`);
    const reply = await fake.waitFor(
      () => fake.messages.find((m) => m.thread_ts === message.ts),
      'the completion reply in the thread',
    );
    expect(reply.text).toBe(
      `:white_check_mark: Build ${code} completed: 1,500 of 1,500 units completed, 0 scrapped. Devices have serials 1–1,500.`,
    );
    const final = await fake.waitFor(
      () => updatesOf(message).find((u) => textOf(u.args).includes(':white_check_mark: completed')),
      'the completed message',
    );
    expect(JSON.stringify(final.args.blocks)).not.toContain('build_complete');
    expect(fake.messages.filter((m) => m.thread_ts === message.ts)).toHaveLength(1);
  });

  it('prints labels: the PDF is uploaded to the channel in three steps', async () => {
    const sent = await slack.command('/build', `labels ${code} serials 1-12`, { user: OPERATOR });
    expect(sent.status).toBe(200);
    expect((await answerAt(sent.responseUrl)).text).toBe(
      `Rendering 12 labels for build ${code} (serials 1–12) on brother-62x29; the PDF will be posted in this channel.`,
    );
    const completed = await fake.waitFor(
      () => fake.ok('files.completeUploadExternal')[0],
      'the upload to complete',
    );
    const urlStep = fake.ok('files.getUploadURLExternal')[0]!;
    expect(urlStep.args).toMatchObject({ filename: `labels-${code}.pdf` });
    const fileId = (completed.args.files as { id: string }[])[0]!.id;
    const upload = fake.uploads.find((u) => u.fileId === fileId)!;
    expect(upload.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(Number(urlStep.args.length)).toBe(upload.bytes.length);
    expect(completed.args).toMatchObject({
      channel_id: CHANNEL,
      files: [{ id: upload.fileId, title: `Labels, build ${code}` }],
    });
    expect(String(completed.args.initial_comment)).toContain(`12 labels of build ${code} on brother-62x29`);
    // In order: URL, bytes, complete.
    expect(urlStep.at).toBeLessThanOrEqual(completed.at);
  });

  it('prints labels on the template named: the run uses it and the PDF is uploaded in three steps', async () => {
    const sent = await slack.command('/build', `labels ${code} a4-3x8 serials 1-5`, { user: OPERATOR });
    expect(sent.status).toBe(200);
    expect(sent.text).toBe('');
    expect((await answerAt(sent.responseUrl)).text).toBe(
      `Rendering 5 labels for build ${code} (serials 1–5) on a4-3x8; the PDF will be posted in this channel.`,
    );
    const run = await ctx
      .db('label_runs')
      .where({ template: 'a4-3x8', requested_by: `slack:${OPERATOR}` })
      .first();
    expect(run).toBeDefined();
    const steps = await uploadSteps(`5 labels of build ${code} on a4-3x8`);
    expect(String(steps.completed.args.initial_comment)).toBe(
      `:label: 5 labels of build ${code} on a4-3x8 (1 page), requested by <@${OPERATOR}>.`,
    );
    const stored = await ctx.db('label_runs').where({ id: run.id }).first();
    expect(stored).toMatchObject({
      status: 'done',
      template: 'a4-3x8',
      total: 5,
      pages: 1,
      source: expect.objectContaining({
        kind: 'build',
        ranges: [{ first: 1, last: 5 }],
        includeScrapped: false,
      }),
    });
  });

  it('prints at the resolution asked for, and refuses one the template is not laid out for', async () => {
    const sent = await slack.command('/build', `labels ${code} zebra-2x1in 300dpi serials 1-2`, {
      user: OPERATOR,
    });
    expect(sent.status).toBe(200);
    await answerAt(sent.responseUrl);
    const run = await ctx
      .db('label_runs')
      .where({ template: 'zebra-2x1in', requested_by: `slack:${OPERATOR}` })
      .first();
    expect(run).toMatchObject({ dpi: 300, total: 2 });
    const refused = await slack.command('/build', `labels ${code} brother-62x29 203dpi`, { user: OPERATOR });
    expect(refused.status).toBe(200);
    expect((await answerAt(refused.responseUrl)).text).toMatch(/dpi/);
  });

  it('the Print labels button labels every unit, and the PDF is uploaded in three steps', async () => {
    const pressed = await slack.button('build_labels', code, { user: OPERATOR });
    expect(pressed.status).toBe(200);
    expect((await answerAt(pressed.responseUrl)).text).toBe(
      `Rendering 1,500 labels for build ${code} on brother-62x29; the PDF will be posted in this channel.`,
    );
    const steps = await uploadSteps(`1,500 labels of build ${code} on brother-62x29`, 60_000);
    expect(String(steps.completed.args.initial_comment)).toBe(
      `:label: 1,500 labels of build ${code} on brother-62x29 (1,500 pages), requested by <@${OPERATOR}>.`,
    );
  }, 90_000);

  it('answers /build status', async () => {
    const sent = await slack.command('/build', `status ${code.toLowerCase()}`, { user: VIEWER });
    const answer = await answerAt(sent.responseUrl);
    expect(answer.text).toBe(`Build ${code} · Weather station × 1,500: completed`);
    expect(textOf(answer)).toContain('*Completed:* 1,500 · *Scrapped:* 0');
  });
});

describe('refusals and usage', () => {
  it('refuses a viewer who tries to complete, by command and by button, and changes nothing', async () => {
    await project('Viewer board');
    const code = await startFromSlack('start "Viewer board" 3');
    await settledBuild(ctx, code);
    const before = await databaseFingerprint(ctx);
    const sent = await slack.command('/build', `complete ${code}`, { user: VIEWER });
    expect(sent.status).toBe(200);
    expect((await answerAt(sent.responseUrl)).text).toBe(
      `:lock: That needs the operator role; you are a viewer. An admin can change it: \`buildtrace slack-user set --user ${VIEWER} --role operator\``,
    );
    const pressed = await slack.button('build_cancel', code, { user: VIEWER });
    expect((await answerAt(pressed.responseUrl)).text).toContain('needs the operator role; you are a viewer');
    // Answers are queued jobs; nothing of the build changed.
    const after = await databaseFingerprint(ctx);
    const strip = (s: string) =>
      s.split('\n').filter((l) => !/^(sequence )?(job_outbox|slack_messages)/.test(l));
    expect(strip(after)).toEqual(strip(before));
    expect((await ctx.api('GET', `/api/v1/builds/${code}`)).body.status).toBe('completed');
  });

  it('answers an unknown project in a short sentence and creates nothing', async () => {
    const builds = await ctx.db('builds').count({ n: '*' });
    const sent = await slack.command('/build', 'start Nonexistent gizmo 5', { user: OPERATOR });
    expect(sent.status).toBe(200);
    expect((await answerAt(sent.responseUrl)).text).toBe(":warning: no project is named 'Nonexistent gizmo'");
    expect(await ctx.db('builds').count({ n: '*' })).toEqual(builds);
  });

  it.each([
    ['start Weather station 0', 'Quantity must be at least 1.'],
    ['start Weather station 900000000', 'Quantity 900000000 is more than a build may make (200,000).'],
    ['start Weather station', 'A quantity is needed.'],
  ])('answers %j with usage in the ack itself', async (text, first) => {
    const builds = await ctx.db('builds').count({ n: '*' });
    const sent = await slack.command('/build', text, { user: OPERATOR });
    expect(sent.status).toBe(200);
    expect(sent.json).toEqual({
      response_type: 'ephemeral',
      replace_original: false,
      text: `${first}\nUsage:\n\`/build start <project> <qty> [track] [incomplete] [stages A,B,C]\``,
    });
    expect(fake.responses.find((r) => sent.responseUrl.endsWith(r.id))).toBeUndefined();
    expect(await ctx.db('builds').count({ n: '*' })).toEqual(builds);
  });

  it('answers help and unknown verbs with usage', async () => {
    for (const [command, text] of [
      ['/build', ''],
      ['/build', 'help'],
      ['/lot', 'help'],
      ['/trace', ''],
    ] as const) {
      const sent = await slack.command(command, text, { user: OPERATOR });
      expect(sent.status).toBe(200);
      expect(String(sent.json?.text)).toContain(
        '`/build start <project> <qty> [track] [incomplete] [stages A,B,C]`',
      );
      expect(String(sent.json?.text)).toContain('`/trace <ID code> [forward|backward]`');
    }
    const sent = await slack.command('/build', 'frobnicate X', { user: OPERATOR });
    expect(String(sent.json?.text)).toMatch(
      /^'frobnicate' is not a \/build command\.\nUsage:\n`\/build start/,
    );
  });
});

describe('/lot, the record modal and /trace', () => {
  let build: string;
  let device: string;
  let component: string;

  beforeAll(async () => {
    const p = await project('Sensor module');
    const lots = (await ctx.api('GET', `/api/v1/lots?part=${p.lines[0]!.partCode}`)).body.items as {
      code: string;
    }[];
    component = lots[0]!.code;
    build = await startFromSlack(`start ${p.code} 4 track`);
    await settledBuild(ctx, build, (b) => b.status === 'completed');
    device = ((await ctx.api('GET', `/api/v1/builds/${build}/units/3`)).body.code as string) ?? '';
  });

  it('/lot shows a device by build and serial, with a button that opens the modal', async () => {
    const sent = await slack.command('/lot', `${build} 3`, { user: VIEWER });
    expect(sent.status).toBe(200);
    const answer = await answerAt(sent.responseUrl);
    expect(answer.text).toBe(`Device ${device}: Sensor module, available`);
    expect(textOf(answer)).toContain(`serial 3 of build ${build}`);
    expect(textOf(answer)).toContain('"action_id":"lot_record"');

    const pressed = await slack.button('lot_record', device, {
      user: OPERATOR,
      responseUrl: sent.responseUrl,
    });
    expect(pressed.status).toBe(200);
    const opened = await fake.waitFor(
      () => fake.ok('views.open').find((c) => c.args.trigger_id === pressed.triggerId),
      'views.open',
    );
    const view = opened.args.view as {
      callback_id: string;
      private_metadata: string;
      blocks: { block_id?: string }[];
    };
    expect(view.callback_id).toBe('lot_record');
    expect(JSON.parse(view.private_metadata)).toEqual({ lot: device, responseUrl: sent.responseUrl });
    expect(view.blocks.map((b) => b.block_id).filter(Boolean)).toEqual([
      'test',
      'result',
      'measurements',
      'station',
      'note',
    ]);
  });

  const field = (value: string | null) => ({ value: { type: 'plain_text_input', value } });
  const values = (v: {
    test?: string;
    result?: 'pass' | 'fail';
    measurements?: string;
    station?: string;
    note?: string;
  }) => ({
    test: field(v.test ?? null),
    result: { value: { type: 'radio_buttons', selected_option: v.result ? { value: v.result } : null } },
    measurements: field(v.measurements ?? null),
    station: field(v.station ?? null),
    note: field(v.note ?? null),
  });

  it('the modal records a test result, and shows missing or bad fields next to them', async () => {
    const responseUrl = fake.responseUrl();
    const metadata = JSON.stringify({ lot: device, responseUrl });
    const bad = await slack.submitView(
      {
        callbackId: 'lot_record',
        privateMetadata: metadata,
        values: values({ test: 'ICT', measurements: 'vout' }),
      },
      { user: OPERATOR },
    );
    expect(bad.status).toBe(200);
    expect(bad.json).toEqual({
      response_action: 'errors',
      errors: { result: 'Choose pass or fail.', measurements: "'vout' is not name=value." },
    });
    const empty = await slack.submitView({
      callbackId: 'lot_record',
      privateMetadata: metadata,
      values: values({}),
    });
    expect(empty.json).toMatchObject({ errors: { note: 'Write a note, or give a test and its result.' } });
    const viewer = await slack.submitView(
      { callbackId: 'lot_record', privateMetadata: metadata, values: values({ note: 'hello' }) },
      { user: VIEWER },
    );
    expect(String((viewer.json?.errors as Record<string, string>).note)).toContain('needs the operator role');

    const ok = await slack.submitView(
      {
        callbackId: 'lot_record',
        privateMetadata: metadata,
        values: values({
          test: 'ICT',
          result: 'pass',
          measurements: 'vout=3.31, fw=1.4.2',
          station: 'ICT-2',
          note: 'first run',
        }),
      },
      { user: OPERATOR },
    );
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('');
    expect((await answerAt(responseUrl)).text).toBe(
      `:memo: Test result recorded on \`${device}\`: ICT passed :white_check_mark:`,
    );
    const history = (await execute(ctx, listLotHistory, SYSTEM_ACTOR, { code: device })).items;
    expect(history.find((h) => h.kind === 'test_result')).toMatchObject({
      actor: `slack:${OPERATOR}`,
      data: expect.objectContaining({
        test: 'ICT',
        passed: true,
        station: 'ICT-2',
        measurements: { vout: 3.31, fw: '1.4.2' },
      }),
    });
  });

  it('the modal records a note, and /lot then shows it in the recent history', async () => {
    const responseUrl = fake.responseUrl();
    const ok = await slack.submitView(
      {
        callbackId: 'lot_record',
        privateMetadata: JSON.stringify({ lot: device, responseUrl }),
        values: values({ note: 'Scratch on the housing' }),
      },
      { user: OPERATOR },
    );
    expect(ok.status).toBe(200);
    expect((await answerAt(responseUrl)).text).toBe(`:memo: Note recorded on \`${device}\`.`);
    const sent = await slack.command('/lot', device.toLowerCase(), { user: VIEWER });
    const shown = textOf(await answerAt(sent.responseUrl));
    expect(shown).toContain('Recent history');
    expect(shown).toContain('Scratch on the housing');
    expect(shown).toContain(`<@${OPERATOR}>`);
    expect(shown.indexOf('Scratch on the housing')).toBeLessThan(shown.indexOf('ICT'));
  });

  it('/lot shows a device by the formatted serial on its label, in any case (#17)', async () => {
    const p = await project('Gateway');
    const patched = await ctx.api('PATCH', `/api/v1/projects/${p.code}`, {
      body: { serialFormat: 'GLA-{yy}{ww}-{seq:05}' },
    });
    expect(patched.status, patched.text).toBe(200);
    const gateway = await startFromSlack(`start ${p.code} 2 track`);
    await settledBuild(ctx, gateway, (b) => b.status === 'completed');
    const unit = (await ctx.api('GET', `/api/v1/builds/${gateway}/units/2`)).body as {
      code: string;
      serialLabel: string;
    };
    expect(unit.serialLabel).toMatch(/^GLA-\d{4}-00002$/);
    const sent = await slack.command('/lot', unit.serialLabel.toLowerCase(), { user: VIEWER });
    expect(sent.status).toBe(200);
    const answer = await answerAt(sent.responseUrl);
    expect(answer.text).toBe(`Device ${unit.code}: Gateway, available`);
    expect(textOf(answer)).toContain(`serial ${unit.serialLabel} (2) of build ${gateway}`);
  });

  it('/lot answers an unknown code in a short sentence', async () => {
    const sent = await slack.command('/lot', `${build} 99`, { user: VIEWER });
    expect((await answerAt(sent.responseUrl)).text).toBe(
      `:warning: build ${build} has no unit with serial 99`,
    );
  });

  it('/trace goes backward from a device and forward from a component lot', async () => {
    const back = await slack.command('/trace', device, { user: VIEWER });
    const backward = textOf(await answerAt(back.responseUrl));
    expect(backward).toContain(`Backward trace of ${device}`);
    expect(backward).toContain(`\`${component}\` R 10k`);
    expect(backward).toContain('Mouser, DC 2601');

    const fwd = await slack.command('/trace', `${component} forward`, { user: VIEWER });
    const forward = await answerAt(fwd.responseUrl);
    expect(forward.text).toMatch(new RegExp(`^Forward trace of ${component}: \\d+ lots and devices$`));
    expect(textOf(forward)).toMatch(new RegExp(`build \`${build}\` Sensor module: \\d+ affected`));
    expect(textOf(forward)).toContain(device);
  });
});

describe('the Cancel button', () => {
  it('cancels a build; its message shows it and a thread reply gives the counts', async () => {
    await project('Cancelled board');
    const code = await startFromSlack('start "Cancelled board" 10 stages Assembly');
    await settledBuild(ctx, code, (b) => b.status === 'in_progress');
    const message = await buildMessageOf(code);
    const pressed = await slack.button('build_cancel', code, { user: OPERATOR, messageTs: message.ts });
    expect((await answerAt(pressed.responseUrl)).text).toBe(`Cancellation of build ${code} requested.`);
    const reply = await fake.waitFor(
      () => fake.messages.find((m) => m.thread_ts === message.ts),
      'the cancel reply',
    );
    expect(reply.text).toBe(
      `:no_entry_sign: Build ${code} cancelled by <@${OPERATOR}>: 10 in-production units removed, 30 components returned to their lots.`,
    );
    await fake.waitFor(
      () => updatesOf(message).find((u) => textOf(u.args).includes(':no_entry_sign: cancelled')),
      'the cancelled message',
    );
  });
});

describe('/build complete and /build cancel by command', () => {
  it('/build complete by an operator completes the build; its message and a thread reply follow', async () => {
    await project('Command board');
    const code = await startFromSlack('start "Command board" 6 stages Assembly');
    await settledBuild(ctx, code, (b) => b.status === 'in_progress');
    const advanced = await slack.command('/build', `advance ${code}`, { user: OPERATOR });
    expect((await answerAt(advanced.responseUrl)).text).toBe(
      `Completing the next stage of build ${code} requested.`,
    );
    await settledBuild(ctx, code);
    const message = await buildMessageOf(code);

    const sent = await slack.command('/build', `complete ${code.toLowerCase()}`, { user: OPERATOR });
    expect(sent.status).toBe(200);
    expect(sent.text).toBe('');
    expect(await answerAt(sent.responseUrl)).toEqual({
      response_type: 'ephemeral',
      replace_original: false,
      text: `Completion of build ${code} requested.`,
    });
    const reply = await fake.waitFor(
      () => fake.messages.find((m) => m.thread_ts === message.ts),
      'the completion reply in the thread',
    );
    expect(reply.text).toBe(
      `:white_check_mark: Build ${code} completed: 6 of 6 units completed, 0 scrapped.`,
    );
    const final = await fake.waitFor(
      () => updatesOf(message).find((u) => textOf(u.args).includes(':white_check_mark: completed')),
      'the completed message',
    );
    expect(JSON.stringify(final.args.blocks)).not.toContain('build_complete');
    expect(JSON.stringify(final.args.blocks)).not.toContain('build_cancel');
    const build = await settledBuild(ctx, code);
    expect(build).toMatchObject({ status: 'completed' });
    const completion = (build.operations as { kind: string; requestedBy: string }[]).find(
      (o) => o.kind === 'complete',
    );
    expect(completion?.requestedBy).toBe(`slack:${OPERATOR}`);
    expect(postsAbout(code)).toHaveLength(1);
    expect(fake.messages.filter((m) => m.thread_ts === message.ts)).toHaveLength(1);
  });

  it('/build cancel by an operator cancels at once, with the reason given (typing it is the confirmation)', async () => {
    await project('Scrapped board');
    const code = await startFromSlack('start "Scrapped board" 4 stages Assembly');
    await settledBuild(ctx, code, (b) => b.status === 'in_progress');
    const message = await buildMessageOf(code);

    const sent = await slack.command('/build', `cancel ${code} wrong BOM revision`, { user: OPERATOR });
    expect(sent.status).toBe(200);
    expect(sent.text).toBe('');
    expect((await answerAt(sent.responseUrl)).text).toBe(`Cancellation of build ${code} requested.`);
    const reply = await fake.waitFor(
      () => fake.messages.find((m) => m.thread_ts === message.ts),
      'the cancel reply',
    );
    expect(reply.text).toBe(
      `:no_entry_sign: Build ${code} cancelled by <@${OPERATOR}> (wrong BOM revision): 4 in-production units removed, 12 components returned to their lots.`,
    );
    await fake.waitFor(
      () => updatesOf(message).find((u) => textOf(u.args).includes(':no_entry_sign: cancelled')),
      'the cancelled message',
    );
    const build = await settledBuild(ctx, code);
    expect(build.status).toBe('cancelled');
    const cancel = (build.operations as { kind: string; params: { reason?: string } }[]).find(
      (o) => o.kind === 'cancel',
    );
    expect(cancel?.params.reason).toBe('wrong BOM revision');
  });

  it('never called auth.test', () => {
    expect(fake.calls.filter((c) => c.method === 'auth.test')).toEqual([]);
  });
});
