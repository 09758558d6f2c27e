/**
 * #15 item 9: the web process only verifies, parses, hands over and acks a Slack command or button;
 * the work after the ack (run the command as the user, answer through response_url) is a
 * `slack.answer` job a worker runs — so acks never queue behind it. The job is validated, runs once
 * however often it is delivered, and tells the person when it finally gives up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackAnswerJobId } from '../../src/commands/slack.ts';
import { createQueueBackend } from '../../src/queue/backend.ts';
import { JOBS } from '../../workers/catalogue.ts';
import { NOTIFY_SCHEDULES } from '../../src/queue/backoff.ts';
import { createDb } from '../../src/db/knex.ts';
import { knexUnitOfWork } from '../../src/db/unit-of-work.ts';
import { localFileStore } from '../../src/storage/local-files.ts';
import { Queues } from '../../src/queue/queues.ts';
import { checkRequest, handOff } from '../../src/slack/answer.ts';
import { runSlackRequest, type SlackRequest } from '../../src/slack/requests.ts';
import slackAnswer from '../../workers/jobs/slack.answer.ts';
import { factories } from '../factories.ts';
import { startBackground, type Background } from '../helpers/background.ts';
import { type TestContext } from '../helpers/context.ts';
import type { FakeSlack, SlackSender } from '../helpers/fake-slack.ts';
import { startSlackApp } from '../helpers/slack-app.ts';

const SECRET = 'answers-test-signing-secret';
const OPERATOR = 'U0ANSWERS';

let fake: FakeSlack;
let ctx: TestContext;
let bg: Background | undefined;
let slack: SlackSender;
let project: string;

const deps = () => ({ uow: ctx.uow, services: ctx.services, config: ctx.config, log: ctx.log });
const buildsOf = async (code: string) =>
  (await ctx.db('builds').join('projects', 'projects.id', 'builds.project_id').where('projects.code', code))
    .length;
const answersAt = (url: string) => fake.responses.filter((r) => url.endsWith(`/respond/${r.id}`));
const request = (text: string, key: string): SlackRequest => ({
  user: OPERATOR,
  channel: 'C0ANSWERS',
  responseUrl: fake.responseUrl(),
  key,
  request: { kind: 'command', command: '/build', text },
});

beforeAll(async () => {
  ({ fake, ctx, slack } = await startSlackApp(SECRET));
  const f = factories({ uow: ctx.uow });
  const part = await f.part();
  await f.lot({ part: part.code, quantity: 1000 });
  project = (await f.project({ lines: [{ part: part.code, quantity: 1 }] })).code;
  await ctx.api('PUT', `/api/v1/slack-users/${OPERATOR}`, { body: { role: 'operator' } });
});
afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
  await fake?.close();
});

describe('the web process hands the work after the ack to the workers', () => {
  it('acks a command without running it: a slack.answer job waits until a worker runs and answers it', async () => {
    const sent = await slack.command('/build', `start ${project} 2`, {
      user: OPERATOR,
      channel: 'C0ANSWERS',
    });
    expect(sent.status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    // Nothing ran in the web process: no build, no answer.
    expect(await buildsOf(project)).toBe(0);
    expect(answersAt(sent.responseUrl)).toHaveLength(0);
    const waiting = await ctx.queues.get('notify').getJobs(['waiting', 'prioritized']);
    const handed = waiting.filter((j) => j.name === 'slack.answer');
    expect(handed).toHaveLength(1);
    expect(handed[0]!.data).toMatchObject({
      user: OPERATOR,
      channel: 'C0ANSWERS',
      responseUrl: sent.responseUrl,
      request: { kind: 'command', command: '/build', text: `start ${project} 2` },
    });

    bg = await startBackground(ctx);
    const answer = await fake.waitFor(() => answersAt(sent.responseUrl)[0], 'the answer');
    expect(String(answer.body.text)).toMatch(/Build \w{10} of/);
    expect(await buildsOf(project)).toBe(1);
    await bg.stop();
    bg = undefined;
  });

  it('hands a command over through the outbox while the queue is unreachable', async () => {
    const unreachable = new Queues(
      createQueueBackend({
        kind: 'redis',
        redis: { topology: 'single', url: 'redis://127.0.0.1:1' },
        prefix: 'answers-test',
      }),
      JOBS,
    );
    try {
      const r = request(`status nothing`, `outbox-${Date.now()}`);
      expect(await handOff({ ...deps(), queues: unreachable }, r)).toBe(true);
      const row = await ctx
        .db('job_outbox')
        .where({ job_id: slackAnswerJobId(r.key) })
        .first();
      expect(row).toMatchObject({ name: 'slack.answer', relayed_at: null });
      bg = await startBackground(ctx);
      const answer = await fake.waitFor(() => answersAt(r.responseUrl)[0], 'the answer');
      expect(String(answer.body.text)).toContain('nothing');
    } finally {
      await bg?.stop();
      bg = undefined;
      await unreachable.close();
      await unreachable.backend.close();
    }
  });

  it('refuses fields no job can carry, in the ack, naming the field', async () => {
    const checked = checkRequest(deps(), { ...request('status B', 'bad-user'), user: 'U0 BAD; DROP' });
    expect(checked.ok).toBe(false);
    expect(checked.ok ? '' : checked.answer.text).toContain('request.user');
  });
});

describe('slack.answer', () => {
  it('validates its data: a bad user, response_url or command is refused, naming the field', () => {
    const good = {
      user: OPERATOR,
      channel: 'C0X',
      responseUrl: 'https://hooks.slack.com/commands/1/2/3',
      key: 'k',
      request: { kind: 'command', command: '/lot', text: 'L1' },
    };
    expect(JOBS['slack.answer'].data.safeParse(good).success).toBe(true);
    const problems = (d: unknown) =>
      JOBS['slack.answer'].data.safeParse(d).error?.issues.map((i) => i.path.join('.')) ?? [];
    expect(problems({ ...good, user: 'U1 2' })).toEqual(['user']);
    expect(problems({ ...good, responseUrl: 'file:///etc/passwd' })).toEqual(['responseUrl']);
    expect(problems({ ...good, request: { kind: 'command', command: '/rm', text: '' } })).toEqual([
      'request.command',
    ]);
    expect(problems({ ...good, request: { kind: 'button', action: 'delete', value: 'x' } })).toEqual([
      'request.action',
    ]);
  });

  it('runs a request once: a second run (a retry after its commit) changes nothing and answers once', async () => {
    const r = request(`start ${project} 3`, `twice-${Date.now()}`);
    const before = await buildsOf(project);
    expect(await runSlackRequest(deps(), r)).toBe('answered');
    expect(await runSlackRequest(deps(), r)).toBe('already answered');
    expect(await buildsOf(project)).toBe(before + 1);
    const answers = await ctx
      .db('job_outbox')
      .where({ name: 'notify.respond' })
      .whereRaw(`data->>'url' = ?`, [r.responseUrl]);
    expect(answers).toHaveLength(1);
  });

  it('runs a request once when two workers run it at the same moment', async () => {
    const r = request(`start ${project} 4`, `together-${Date.now()}`);
    const before = await buildsOf(project);
    const outcomes = await Promise.all([runSlackRequest(deps(), r), runSlackRequest(deps(), r)]);
    expect(outcomes.sort()).toEqual(['already answered', 'answered']);
    expect(await buildsOf(project)).toBe(before + 1);
  });

  it('answers a refusal once, and changes nothing', async () => {
    const r = request('start no-such-project 2', `refused-${Date.now()}`);
    const before = await buildsOf(project);
    expect(await runSlackRequest(deps(), r)).toBe('refused');
    expect(await runSlackRequest(deps(), r)).toBe('already answered');
    expect(await buildsOf(project)).toBe(before);
  });

  it('tells the person through the response_url when it finally gives up', async () => {
    bg = await startBackground(ctx);
    try {
      const r = request(`status nothing`, `gave-up-${Date.now()}`);
      await slackAnswer.settle!(r, 'gave up after 11 attempts: connection refused', {
        app: ctx,
        log: ctx.log,
      });
      const answer = await fake.waitFor(() => answersAt(r.responseUrl)[0], 'the give-up answer');
      expect(String(answer.body.text)).toContain('nothing was changed');
      expect(String(answer.body.text)).not.toContain('connection refused');
      // Settled twice (the reconciler and the worker both gave up): told once.
      await slackAnswer.settle!(r, 'again', { app: ctx, log: ctx.log });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(answersAt(r.responseUrl)).toHaveLength(1);
    } finally {
      await bg.stop();
      bg = undefined;
    }
  });

  it('retries for 10 min on a capped schedule when something other than a refusal fails', async () => {
    expect(JOBS['slack.answer'].options).toEqual({ attempts: 11, backoff: { type: 'slack-answer' } });
    expect(NOTIFY_SCHEDULES['slack-answer']).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 89_000,
    ]);
    // A database that is away is thrown (the job retries), not answered as a refusal.
    const away = createDb({ url: 'postgres://postgres@127.0.0.1:1/nothing', poolMax: 1 });
    try {
      const r = request(`status nothing`, `away-${Date.now()}`);
      const uow = knexUnitOfWork(away, localFileStore(ctx.config.storageDir));
      await expect(runSlackRequest({ ...deps(), uow }, r)).rejects.toThrow();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(answersAt(r.responseUrl)).toHaveLength(0);
      expect(await ctx.db('job_outbox').whereRaw(`data->>'url' = ?`, [r.responseUrl])).toHaveLength(0);
      // Given up while the database is still away: the person is told straight through the response_url.
      await slackAnswer.settle!(r, 'gave up after 11 attempts', { app: { ...ctx, uow }, log: ctx.log });
      const told = await fake.waitFor(() => answersAt(r.responseUrl)[0], 'the give-up answer');
      expect(String(told.body.text)).toContain('nothing was changed');
    } finally {
      await away.destroy();
    }
  });
});
