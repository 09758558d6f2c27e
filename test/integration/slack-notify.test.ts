/**
 * Posting to Slack is a job on the notify queue: a 429 is retried after its Retry-After (without
 * using up an attempt), a 5xx with backoff, a refusal not at all; a message is never lost and never
 * posted twice — not when several jobs want it at once, not when Slack answers 5xx, not when Slack
 * posts it but the answer is lost. Answers through response_url retry the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobRequest } from '../../src/commands/jobs.ts';
import { factories } from '../factories.ts';
import { settledBuild, startBackground, waitFor, type Background } from '../helpers/background.ts';
import { type TestContext } from '../helpers/context.ts';
import type { FakeSlack, SlackSender } from '../helpers/fake-slack.ts';
import { startSlackApp } from '../helpers/slack-app.ts';

const SECRET = 'notify-test-signing-secret';

let fake: FakeSlack;
let ctx: TestContext;
let bg: Background;
let slack: SlackSender;
let f: ReturnType<typeof factories>;
let project: string;

/** A planned build (no events of its own) whose Slack message is requested by `jobs` jobs at once. */
async function buildMessage(
  channel = 'C0NOTIFY',
  jobs = 1,
): Promise<{ code: string; messageId: number; jobIds: string[] }> {
  const res = await ctx.api('POST', '/api/v1/builds', { body: { project, quantity: 2, start: false } });
  const build = res.body.build as { code: string };
  return ctx.uow.transaction(async (repos) => {
    const stored = (await repos.builds.findByCode(build.code))!;
    const message = await repos.slackMessages.insert({
      subject: `build:${build.code}`,
      kind: 'build',
      channel,
      buildId: stored.id,
      requestedBy: 'slack:U0TEST',
    });
    const jobIds: string[] = [];
    for (let i = 0; i < jobs; i++) {
      const request = jobRequest(
        'notify.message',
        { messageId: message.id },
        `slack-message-${message.id}-test-${i}`,
      );
      await repos.jobs.enqueue(request);
      jobIds.push(request.jobId);
    }
    return { code: build.code, messageId: message.id, jobIds };
  });
}

const postsOf = (code: string) =>
  fake.messages.filter((m) => m.metadata?.event_payload?.subject === `build:${code}`);
const postCallsOf = (code: string) =>
  fake.calls.filter(
    (c) => c.method === 'chat.postMessage' && JSON.stringify(c.args.metadata ?? {}).includes(`build:${code}`),
  );
const storedTs = async (messageId: number) =>
  (await ctx.db('slack_messages').where({ id: messageId }).first()).ts as string | null;
const jobOf = (id: string) => ctx.queues.getJob('notify', id);

beforeAll(async () => {
  ({ fake, ctx, slack } = await startSlackApp(SECRET));
  f = factories({ uow: ctx.uow });
  const part = await f.part();
  await f.lot({ part: part.code, quantity: 1000 });
  project = (await f.project({ lines: [{ part: part.code, quantity: 1 }] })).code;
  bg = await startBackground(ctx);
  await ctx.api('PUT', '/api/v1/slack-users/U0OPERATOR', { body: { role: 'operator' } });
});
afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
  await fake?.close();
});

describe('notify.message', () => {
  it('retries a 429 after its Retry-After, without using up an attempt, and posts once', async () => {
    fake.script('chat.postMessage', { status: 429, retryAfter: 1 });
    const { code, messageId, jobIds } = await buildMessage();
    const posted = await fake.waitFor(() => postsOf(code)[0], 'the post after the 429');
    const calls = postCallsOf(code);
    expect(calls.map((c) => c.answered)).toEqual([429, 200]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
    expect(calls[1]!.at - calls[0]!.at).toBeLessThan(5_000);
    expect(postsOf(code)).toHaveLength(1);
    await waitFor(async () => (await storedTs(messageId)) === posted.ts, 'the ts to be recorded');
    await waitFor(
      async () => (await (await jobOf(jobIds[0]!))?.getState()) === 'completed',
      'the job to complete',
    );
    // BullMQ counts the run that completed; the 429's delay used up no attempt.
    expect((await jobOf(jobIds[0]!))!.attemptsMade).toBe(1);
    // Nobody looked for an earlier post: a 429 certainly posted nothing.
    expect(
      fake.calls.filter((c) => c.method === 'conversations.history' && c.args.channel === 'C0NOTIFY'),
    ).toEqual([]);
  });

  it('retries a 500 with backoff, looks whether it was posted after all, and posts once', async () => {
    fake.script('chat.postMessage', { status: 500 });
    const { code, messageId, jobIds } = await buildMessage('C0FIVE00');
    const posted = await fake.waitFor(() => postsOf(code)[0], 'the post after the 500');
    expect(postCallsOf(code).map((c) => c.answered)).toEqual([500, 200]);
    expect(postsOf(code)).toHaveLength(1);
    await waitFor(async () => (await storedTs(messageId)) === posted.ts, 'the ts to be recorded');
    const looked = fake.calls.filter(
      (c) => c.method === 'conversations.history' && c.args.channel === 'C0FIVE00',
    );
    expect(looked).toHaveLength(1);
    expect(looked[0]!.at).toBeLessThan(postCallsOf(code)[1]!.at);
    await waitFor(
      async () => (await (await jobOf(jobIds[0]!))?.getState()) === 'completed',
      'the job to complete',
    );
    expect((await jobOf(jobIds[0]!))!.attemptsMade).toBe(2);
  });

  it('keeps the doubt of a 500 until it has looked, even when the look itself is rate-limited', async () => {
    fake.script('chat.postMessage', { status: 500 });
    fake.script('conversations.history', { status: 429, retryAfter: 1 });
    const { code } = await buildMessage('C0DOUBT');
    await fake.waitFor(() => postsOf(code)[0], 'the post');
    const looks = fake.calls.filter(
      (c) => c.method === 'conversations.history' && c.args.channel === 'C0DOUBT',
    );
    expect(looks.map((c) => c.answered)).toEqual([429, 200]);
    expect(postCallsOf(code).map((c) => c.answered)).toEqual([500, 200]);
    expect(looks[1]!.at).toBeLessThan(postCallsOf(code)[1]!.at);
    expect(postsOf(code)).toHaveLength(1);
  });

  it('finds the message Slack posted when the answer was lost, instead of posting it again', async () => {
    fake.script('chat.postMessage', { loseAnswer: true });
    const { code, messageId } = await buildMessage('C0LOST');
    const ts = await fake.waitFor(
      () =>
        fake.calls.some((c) => c.method === 'conversations.history' && c.args.channel === 'C0LOST') &&
        postsOf(code)[0]?.ts,
      'the lookup after the lost answer',
    );
    await waitFor(async () => (await storedTs(messageId)) === ts, 'the found ts to be recorded');
    expect(postCallsOf(code).map((c) => c.answered)).toEqual(['lost']);
    expect(postsOf(code)).toHaveLength(1);

    // Later changes update that message.
    const cancelled = await ctx.api('POST', `/api/v1/builds/${code}/cancel`, { body: { reason: 'test' } });
    expect(cancelled.status).toBe(202);
    await fake.waitFor(
      () =>
        fake.ok('chat.update').find((c) => c.args.ts === ts && JSON.stringify(c.args).includes('cancelled')),
      'the update of the found message',
    );
    expect(postsOf(code)).toHaveLength(1);
  });

  it('posts once when several jobs want the same message at the same time', async () => {
    const { code, messageId, jobIds } = await buildMessage('C0MANY', 6);
    await fake.waitFor(() => postsOf(code)[0], 'the post');
    await waitFor(async () => {
      const row = await ctx.db('slack_messages').where({ id: messageId }).first();
      return row.lease_owner === null && row.ts !== null;
    }, 'the jobs to finish with the message');
    await waitFor(
      async () =>
        (await Promise.all(jobIds.map(async (id) => (await jobOf(id))?.getState()))).every(
          (s) => s === 'completed',
        ),
      'every job to complete',
    );
    expect(postCallsOf(code)).toHaveLength(1);
    expect(postsOf(code)).toHaveLength(1);
  });

  it('gives up at once when Slack refuses (channel_not_found)', async () => {
    fake.script('chat.postMessage', { error: 'channel_not_found' });
    const { code, jobIds } = await buildMessage('C0GONE');
    await waitFor(async () => (await (await jobOf(jobIds[0]!))?.getState()) === 'failed', 'the job to fail');
    expect(postCallsOf(code)).toHaveLength(1);
    expect((await jobOf(jobIds[0]!))!.failedReason).toContain('channel_not_found');
  });
});

/**
 * A tracked build of three units whose labels are asked for in `channel` by slash command; answers
 * the id and job id of the upload, and the build's code.
 */
async function labelUpload(channel: string): Promise<{ code: string; messageId: number; jobId: string }> {
  const res = await ctx.api('POST', '/api/v1/builds', { body: { project, quantity: 3, trackUnits: true } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const code = (res.body.build as { code: string }).code;
  await settledBuild(ctx, code, (b) => (b.progress as { generated: number }).generated === 3);
  const sent = await slack.command('/build', `labels ${code} serials 1-3`, { user: 'U0OPERATOR', channel });
  expect(sent.status).toBe(200);
  const row = await waitFor(
    async () => ctx.db('slack_messages').where({ kind: 'upload', channel }).first(),
    'the upload to be recorded',
  );
  return { code, messageId: Number(row.id), jobId: `slack-upload-${row.id}` };
}

/** The upload steps of build `code`'s labels as Slack saw them. */
function uploadCalls(code: string) {
  const urls = fake.calls.filter(
    (c) => c.method === 'files.getUploadURLExternal' && c.args.filename === `labels-${code}.pdf`,
  );
  const fileIds = new Set(urls.map((c) => c.result?.file_id).filter(Boolean));
  const completes = fake.calls.filter(
    (c) =>
      c.method === 'files.completeUploadExternal' &&
      (c.args.files as { id: string }[]).some((f) => fileIds.has(f.id)),
  );
  return { urls, completes, bytes: fake.uploads.filter((u) => fileIds.has(u.fileId)) };
}

describe('notify.upload', () => {
  it('retries a 429 from files.getUploadURLExternal after its Retry-After, and uploads once', async () => {
    fake.script('files.getUploadURLExternal', { status: 429, retryAfter: 1 });
    const { code, messageId, jobId } = await labelUpload('C0UPLOAD429');
    await waitFor(async () => (await (await jobOf(jobId))?.getState()) === 'completed', 'the upload job');
    const { urls, completes, bytes } = uploadCalls(code);
    expect(urls.map((c) => c.answered)).toEqual([429, 200]);
    expect(urls[1]!.at - urls[0]!.at).toBeGreaterThanOrEqual(950);
    expect(bytes).toHaveLength(1);
    expect(bytes[0]!.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(completes.map((c) => c.answered)).toEqual([200]);
    expect(completes[0]!.args).toMatchObject({ channel_id: 'C0UPLOAD429' });
    expect((await jobOf(jobId))!.attemptsMade).toBe(1);
    const row = await ctx.db('slack_messages').where({ id: messageId }).first();
    expect(row).toMatchObject({ file_id: bytes[0]!.fileId, ts: bytes[0]!.fileId });
    expect(row.posted_at).not.toBeNull();
  });

  it('retries a 500 from files.completeUploadExternal with backoff, without uploading the bytes again', async () => {
    fake.script('files.completeUploadExternal', { status: 500 });
    const { code, messageId, jobId } = await labelUpload('C0UPLOAD500');
    await waitFor(async () => (await (await jobOf(jobId))?.getState()) === 'completed', 'the upload job');
    const { urls, completes, bytes } = uploadCalls(code);
    expect(urls.map((c) => c.answered)).toEqual([200]);
    expect(bytes).toHaveLength(1);
    expect(completes.map((c) => c.answered)).toEqual([500, 200]);
    for (const c of completes)
      expect(c.args).toMatchObject({ channel_id: 'C0UPLOAD500', files: [{ id: bytes[0]!.fileId }] });
    // The first retry of the notify schedule comes 1 s after the failure.
    expect(completes[1]!.at - completes[0]!.at).toBeGreaterThanOrEqual(950);
    const job = (await jobOf(jobId))!;
    expect(job.attemptsMade).toBe(2);
    expect(job.opts).toMatchObject({ attempts: 154, backoff: { type: 'notify-24h' } });
    expect(await ctx.db('slack_messages').where({ id: messageId }).first()).toMatchObject({
      file_id: bytes[0]!.fileId,
    });
  });
});

describe('a start refused by the worker', () => {
  it('refreshes the build message to show it is planned again, tells why in its thread, and starts again on /build retry', async () => {
    const part = await f.part({ name: 'Scarce chip' });
    const lot = await f.lot({ part: part.code, quantity: 5 });
    const scarce = await f.project({ name: 'Scarce board', lines: [{ part: part.code, quantity: 1 }] });
    // Only the notify queue runs: the command is run (slack.answer), the build is not started.
    await bg.stop();
    bg = await startBackground(ctx, { queues: ['notify'] });
    const sent = await slack.command('/build', `start ${scarce.code} 5`, {
      user: 'U0OPERATOR',
      channel: 'C0SCARCE',
    });
    expect(sent.status).toBe(200);
    // The command runs after the ack; once the build is recorded (its stock reserved, so nobody can
    // take it), quality quarantines the lot before a worker starts it.
    await waitFor(
      async () =>
        ((await ctx.api('GET', `/api/v1/builds?project=${scarce.code}`)).body.items as unknown[]).length ===
        1,
      'the build to be recorded',
    );
    const adjust = await ctx.api('POST', `/api/v1/lots/${lot.code}/adjust`, {
      body: { delta: -3, reason: 'count' },
    });
    expect(adjust.status, 'reserved stock cannot be taken').toBe(422);
    const quarantined = await ctx.api('POST', `/api/v1/lots/${lot.code}/quarantine`, {
      body: { reason: 'suspect batch' },
    });
    expect(quarantined.status).toBe(200);
    await bg.stop();
    bg = await startBackground(ctx);
    const answer = await fake.waitFor(
      () => fake.responses.find((r) => sent.responseUrl.endsWith(r.id)),
      'the answer',
    );
    const code = /Build (\w{10}) of/.exec(String(answer.body.text))?.[1];
    expect(code, JSON.stringify(answer.body)).toBeDefined();
    const last = () => {
      const post = postsOf(code!)[0];
      if (!post) return undefined;
      const updates = fake.ok('chat.update').filter((c) => c.args.ts === post.ts);
      return JSON.stringify(updates.length > 0 ? updates[updates.length - 1]!.args.blocks : post.blocks);
    };
    const shown = await fake.waitFor(
      () => (last()?.includes('Could not start') ? last() : undefined),
      'the refreshed message',
    );
    expect(shown).toContain(':memo: planned');
    expect(shown).toContain('Scarce chip');
    expect(postsOf(code!)).toHaveLength(1);
    // The person hears why in the build's thread (and the channel), with the way out.
    const reply = await fake.waitFor(
      () =>
        fake.messages.find((m) =>
          String(m.metadata?.event_payload?.subject ?? '').startsWith(`build:${code}:failed:`),
        ),
      'the reply saying the start failed',
    );
    expect(reply.thread_ts).toBe(postsOf(code!)[0]!.ts);
    expect(reply.reply_broadcast).toBe(true);
    expect(reply.text).toMatch(new RegExp(`Build ${code} could not start: not enough stock`));
    expect(reply.text).toContain(`/build retry ${code}`);

    // Released from quarantine, the build is started again from Slack.
    expect((await ctx.api('POST', `/api/v1/lots/${lot.code}/release`, { body: {} })).status).toBe(200);
    const retry = await slack.command('/build', `retry ${code}`, { user: 'U0OPERATOR', channel: 'C0SCARCE' });
    expect(retry.status).toBe(200);
    const retried = await fake.waitFor(
      () => fake.responses.find((r) => retry.responseUrl.endsWith(r.id)),
      'the answer to /build retry',
    );
    expect(retried.body.text).toBe(`Start of build ${code} requested.`);
    await settledBuild(ctx, code!, (b) => b.status === 'completed');
    await fake.waitFor(() => (last()?.includes('completed') ? last() : undefined), 'the completed message');
  });
});

describe('notify.respond', () => {
  it('retries an answer after a 429 (Retry-After) and after a 500', async () => {
    const f2 = await f.part();
    fake.scriptResponses({ status: 429, retryAfter: 1 }, { status: 500 });
    const sent = await slack.command('/lot', f2.code, { user: 'U0OPERATOR' });
    expect(sent.status).toBe(200);
    const answers = await fake.waitFor(() => {
      const at = fake.responses.filter((r) => sent.responseUrl.endsWith(r.id));
      return at.length === 3 ? at : undefined;
    }, 'three attempts at the answer');
    expect(answers.map((a) => a.answered)).toEqual([429, 500, 200]);
    expect(answers[2]!.body.text).toBe(`:warning: lot ${f2.code} does not exist`);
  });
});
