/**
 * A failed required test quarantines the unit and tells the build's Slack channel: a reply in the
 * build message's thread, also shown in the channel, posted once through the notify queue — not
 * for a failed test the project does not require, not for a pass, not for a build without a Slack
 * message, and not again when the event is fanned out a second time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fanOutEvents } from '../../src/commands/subscribers.ts';
import { factories } from '../factories.ts';
import { quiesce, settledBuild, startBackground, waitFor, type Background } from '../helpers/background.ts';
import { type TestContext } from '../helpers/context.ts';
import type { FakeSlack, PostedMessage, SlackSender } from '../helpers/fake-slack.ts';
import { startSlackApp } from '../helpers/slack-app.ts';

const SECRET = 'quality-test-signing-secret';
const OPERATOR = 'U0OPERATOR';
const CHANNEL = 'C0QUALITY';

let fake: FakeSlack;
let ctx: TestContext;
let bg: Background;
let slack: SlackSender;
let f: ReturnType<typeof factories>;
let project: string;

const subjectOf = (m: PostedMessage) => String(m.metadata?.event_payload?.subject ?? '');
const noticesAbout = (build: string) =>
  fake.messages.filter((m) => subjectOf(m).startsWith(`build:${build}:quarantined:`));
const noticePostsAbout = (build: string) =>
  fake.calls.filter(
    (c) =>
      c.method === 'chat.postMessage' &&
      JSON.stringify(c.args.metadata ?? {}).includes(`build:${build}:quarantined:`),
  );

const generated = (b: Record<string, unknown>) => (b.progress as { generated: number }).generated;

async function unitCode(build: string, serial: number): Promise<string> {
  return (await ctx.api('GET', `/api/v1/builds/${build}/units/${serial}`)).body.code as string;
}

async function postResult(build: string, serial: number, body: Record<string, unknown>) {
  const res = await ctx.api('POST', `/api/v1/builds/${build}/units/${serial}/test-results`, { body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

beforeAll(async () => {
  ({ fake, ctx, slack } = await startSlackApp(SECRET));
  f = factories({ uow: ctx.uow });
  const part = await f.part({ name: 'Sensor IC' });
  await f.lot({ part: part.code, quantity: 1_000 });
  project = (await f.project({ name: 'Gauge board', lines: [{ part: part.code, quantity: 1 }] })).code;
  const required = await ctx.api('PUT', `/api/v1/projects/${project}/required-tests`, {
    body: { tests: ['ICT'] },
  });
  expect(required.status).toBe(200);
  bg = await startBackground(ctx);
  await ctx.api('PUT', `/api/v1/slack-users/${OPERATOR}`, { body: { role: 'operator' } });
});
afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
  await fake?.close();
});

describe('a failed required test on a unit of a build started from Slack', () => {
  let build: string;
  let message: PostedMessage;

  beforeAll(async () => {
    const sent = await slack.command('/build', `start ${project} 3 track stages Assembly`, {
      user: OPERATOR,
      channel: CHANNEL,
    });
    expect(sent.status).toBe(200);
    const answer = await fake.waitFor(
      () => fake.responses.find((r) => sent.responseUrl.endsWith(`/respond/${r.id}`))?.body,
      'the answer to /build start',
    );
    build = /Build (\w{10}) of/.exec(String(answer.text))![1]!;
    await settledBuild(ctx, build, (b) => b.status === 'in_progress' && generated(b) === 3);
    message = await fake.waitFor(
      () => fake.messages.find((m) => subjectOf(m) === `build:${build}`),
      'the build message',
    );
  });

  it('quarantines the unit and posts one notice in the build thread, shown in the channel too', async () => {
    const unit = await unitCode(build, 2);
    const result = await postResult(build, 2, {
      test: 'ICT',
      passed: false,
      station: 'ICT-2',
      measurements: { vout: 2.91, current: 0.12 },
    });
    expect(result).toMatchObject({ required: true, quarantined: true });

    const notice = await fake.waitFor(() => noticesAbout(build)[0], 'the quarantine notice');
    expect(notice).toMatchObject({
      channel: CHANNEL,
      thread_ts: message.ts,
      reply_broadcast: true,
      text: `:rotating_light: Unit serial 2 of build ${build} (${unit}) quarantined: required test ICT failed at ICT-2.`,
    });
    expect(subjectOf(notice)).toBe(`build:${build}:quarantined:${unit}:${result.event as number}`);
    const blocks = notice.blocks as {
      type: string;
      text?: { text: string };
      elements?: { text: string }[];
    }[];
    expect(blocks.map((b) => b.type)).toEqual(['section', 'context']);
    expect(blocks[0]!.text!.text).toContain(`*Unit serial 2 of build ${build} quarantined*`);
    expect(blocks[0]!.text!.text).toContain('Required test *ICT* failed at ICT-2, recorded by `token:test-');
    expect(blocks[0]!.text!.text).toContain('*Measurements:* vout=2.91, current=0.12');
    expect(blocks[1]!.elements![0]!.text).toContain(`/id/${unit}|${unit}>`);
    expect((await ctx.api('GET', `/api/v1/lots/${unit}`)).body.status).toBe('quarantined');
  });

  it('sends the notice as a notify.notice job, which stops trying after an hour (#15 item 7)', async () => {
    const jobs = await ctx.queues.get('notify').getJobs(['completed', 'waiting', 'delayed', 'active']);
    const notice = jobs.find((j) => j.id?.startsWith('slack-message-') && j.name === 'notify.notice');
    expect(notice, jobs.map((j) => `${j.name} ${j.id}`).join(', ')).toBeDefined();
    expect(notice!.opts).toMatchObject({ attempts: 16, backoff: { type: 'notify-notice' } });
  });

  it('drops a notice that could not be posted within the hour instead of posting it late', async () => {
    const parent = (await ctx
      .db('slack_messages')
      .where({ subject: `build:${build}` })
      .first()) as {
      id: number;
      build_id: number;
    };
    const subject = `build:${build}:quarantined:${await unitCode(build, 1)}:999999`;
    const [row] = (await ctx
      .db('slack_messages')
      .insert({
        subject,
        kind: 'reply',
        channel: CHANNEL,
        build_id: parent.build_id,
        parent_id: parent.id,
        requested_by: 'system',
        created_at: new Date(Date.now() - 61 * 60_000),
      })
      .returning('id')) as { id: number }[];
    const job = await ctx.queues
      .get('notify')
      .add('notify.notice', { messageId: row!.id }, { jobId: `old-notice-${row!.id}` });
    await waitFor(async () => (await job.getState()) === 'completed', 'the old notice job');
    expect(fake.calls.filter((c) => JSON.stringify(c.args.metadata ?? {}).includes(subject))).toEqual([]);
    await ctx.db('slack_messages').where({ id: row!.id }).delete();
  });

  it('says nothing for a failed test the project does not require, or for a pass', async () => {
    await postResult(build, 1, { test: 'Burn-in', passed: false });
    await postResult(build, 3, { test: 'ICT', passed: true });
    await quiesce(ctx);
    expect(noticesAbout(build)).toHaveLength(1);
    expect(fake.messages.filter((m) => m.thread_ts === message.ts)).toHaveLength(1);
  });

  it('does not post the notice again when the event is fanned out a second time', async () => {
    const events = await ctx
      .db('events')
      .where({ type: 'lot.event_recorded' })
      .whereRaw(`data->>'quarantined' = 'true'`)
      .pluck('id');
    expect(events).toHaveLength(1);
    await fanOutEvents({ uow: ctx.uow }, events.map(Number));
    await quiesce(ctx);
    expect(noticePostsAbout(build)).toHaveLength(1);
    expect(noticesAbout(build)).toHaveLength(1);
    expect(
      await ctx
        .db('slack_messages')
        .where('subject', 'like', `build:${build}:quarantined:%`)
        .pluck('subject'),
    ).toHaveLength(1);
  });
});

describe('a failed required test on a unit of a build started elsewhere', () => {
  it('quarantines the unit and posts nothing to Slack', async () => {
    const res = await ctx.api('POST', '/api/v1/builds', {
      body: { project, quantity: 2, trackUnits: true, stages: ['Assembly'] },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const build = (res.body.build as { code: string }).code;
    await settledBuild(ctx, build, (b) => b.status === 'in_progress' && generated(b) === 2);
    const posts = fake.calls.filter((c) => c.method === 'chat.postMessage').length;
    const result = await postResult(build, 1, { test: 'ict', passed: false });
    expect(result).toMatchObject({ required: true, quarantined: true });
    await quiesce(ctx);
    expect(fake.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(posts);
    expect(
      await ctx.db('slack_messages').where('subject', 'like', `build:${build}%`).pluck('subject'),
    ).toEqual([]);
  });
});
