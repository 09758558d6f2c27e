/**
 * Who may talk to buildtrace through Slack: every request must be signed with the signing secret
 * and carry a timestamp within five minutes (either way); Slack users act with the role stored for
 * them, managed through the API and the CLI; here unknown users get none (SLACK_UNKNOWN_USER_ROLE).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { startBackground, type Background } from '../helpers/background.ts';
import { databaseFingerprint, type TestContext } from '../helpers/context.ts';
import { slackSignature, type FakeSlack, type SlackSender } from '../helpers/fake-slack.ts';
import { startSlackApp } from '../helpers/slack-app.ts';
import { ROOT } from '../helpers/processes.ts';

const SECRET = 'security-test-signing-secret';
const STRANGER = 'U0STRANGER';

let fake: FakeSlack;
let ctx: TestContext;
let bg: Background;
let slack: SlackSender;
let build: string;

const now = () => Math.floor(Date.now() / 1000);
const answerAt = (url: string) =>
  fake.waitFor(
    () => fake.responses.find((r) => url.endsWith(`/respond/${r.id}`))?.body,
    `an answer at ${url}`,
  );

beforeAll(async () => {
  ({ fake, ctx, slack } = await startSlackApp(SECRET, { SLACK_UNKNOWN_USER_ROLE: 'none' }));
  bg = await startBackground(ctx);
  const f = factories({ uow: ctx.uow });
  const part = await f.part();
  await f.lot({ part: part.code, quantity: 100 });
  const project = await f.project({ lines: [{ part: part.code, quantity: 1 }] });
  build = (
    (await ctx.api('POST', '/api/v1/builds', { body: { project: project.code, quantity: 2, start: false } }))
      .body.build as { code: string }
  ).code;
});
afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
  await fake?.close();
});

describe('request verification', () => {
  const body = () =>
    new URLSearchParams({
      command: '/build',
      text: `cancel ${build}`,
      user_id: 'U0ADMIN',
      channel_id: 'C0PROD1',
      response_url: fake.responseUrl(),
      trigger_id: `t.${Math.random()}`,
    }).toString();

  async function refused(send: () => Promise<{ status: number }>) {
    const before = await databaseFingerprint(ctx);
    const calls = fake.calls.length;
    const responses = fake.responses.length;
    expect((await send()).status).toBe(401);
    // Nothing ran: no answer, no Slack call, no change.
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.responses.length).toBe(responses);
    expect(fake.calls.length).toBe(calls);
    expect(await databaseFingerprint(ctx)).toBe(before);
  }

  beforeAll(async () => {
    await ctx.api('PUT', '/api/v1/slack-users/U0ADMIN', { body: { role: 'admin' } });
  });

  it('refuses a bad signature', async () => {
    await refused(() => slack.post(body(), { secret: 'not-the-secret' }));
  });

  it('refuses a body that is not the one signed', async () => {
    await refused(async () => {
      const ts = now();
      const res = await fetch(`${ctx.url}/slack/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': String(ts),
          'x-slack-signature': slackSignature(SECRET, ts, body()),
        },
        body: body(),
      });
      return { status: res.status };
    });
  });

  it('refuses a timestamp more than 5 minutes old, and one more than 5 minutes ahead', async () => {
    await refused(() => slack.post(body(), { timestamp: now() - 5 * 60 - 5 }));
    await refused(() => slack.post(body(), { timestamp: now() + 5 * 60 + 5 }));
  });

  it('refuses a request without signature headers', async () => {
    await refused(async () => {
      const res = await fetch(`${ctx.url}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: body(),
      });
      return { status: res.status };
    });
  });

  it('accepts a correctly signed request with a timestamp 4 minutes off either way', async () => {
    for (const offset of [-240, 240]) {
      const sent = await slack.command('/build', `status ${build}`, {
        user: 'U0ADMIN',
        timestamp: now() + offset,
      });
      expect(sent.status).toBe(200);
      expect((await answerAt(sent.responseUrl)).text).toContain(`Build ${build}`);
    }
  });

  it('keeps the JSON API working beside the raw Slack endpoint', async () => {
    expect((await ctx.api('GET', `/api/v1/builds/${build}`)).status).toBe(200);
    const res = await ctx.api('POST', '/api/v1/parts', { body: { name: 'After Slack' } });
    expect(res.status).toBe(201);
  });
});

describe('Slack users and roles', () => {
  it('gives an unknown user nothing when SLACK_UNKNOWN_USER_ROLE=none, and the role an admin sets', async () => {
    const refusedCmd = await slack.command('/lot', build, { user: STRANGER });
    expect(refusedCmd.status).toBe(200);
    expect((await answerAt(refusedCmd.responseUrl)).text).toBe(
      `:lock: You have no role in buildtrace yet. An admin can add you: \`buildtrace slack-user set --user ${STRANGER} --role viewer\``,
    );

    const set = await ctx.api('PUT', `/api/v1/slack-users/${STRANGER.toLowerCase()}`, {
      body: { role: 'viewer', name: 'Quality' },
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      user: STRANGER,
      role: 'viewer',
      name: 'Quality',
      updatedBy: 'token:test-admin',
    });
    const looked = await slack.command('/build', `status ${build}`, { user: STRANGER });
    expect((await answerAt(looked.responseUrl)).text).toContain(`Build ${build}`);
    // A viewer may look but not start or cancel.
    const cancel = await slack.command('/build', `cancel ${build}`, { user: STRANGER });
    expect((await answerAt(cancel.responseUrl)).text).toContain('needs the operator role; you are a viewer');

    const listed = await ctx.api('GET', '/api/v1/slack-users');
    expect((listed.body.items as { user: string }[]).map((u) => u.user)).toContain(STRANGER);
    expect((await ctx.api('GET', `/api/v1/slack-users/${STRANGER}`)).body.role).toBe('viewer');

    expect((await ctx.api('DELETE', `/api/v1/slack-users/${STRANGER}`)).status).toBe(200);
    const again = await slack.command('/build', `status ${build}`, { user: STRANGER });
    expect((await answerAt(again.responseUrl)).text).toContain('You have no role in buildtrace yet');
  });

  it('answers unknown and malformed Slack users as problems', async () => {
    expect((await ctx.api('GET', '/api/v1/slack-users/U0NOBODY')).status).toBe(404);
    expect((await ctx.api('DELETE', '/api/v1/slack-users/U0NOBODY')).status).toBe(404);
    const bad = await ctx.api('PUT', '/api/v1/slack-users/alice', { body: { role: 'viewer' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { field: 'user', message: 'must be a Slack user ID such as U024BE7LH' },
    ]);
    expect(
      (await ctx.api('PUT', '/api/v1/slack-users/U0OPS', { role: 'operator', body: { role: 'admin' } }))
        .status,
    ).toBe(403);
  });

  it('is managed from the CLI too', async () => {
    const run = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/main/cli.ts', ...args], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', DATABASE_URL: ctx.databaseUrl, LOG_LEVEL: 'silent' },
      });
    expect(
      (await run('slack-user', 'set', '--user', 'U0CLI', '--role', 'operator', '--name', 'Line 3')).stdout,
    ).toBe('Slack user U0CLI is now operator\n');
    expect((await ctx.api('GET', '/api/v1/slack-users/U0CLI')).body).toMatchObject({
      role: 'operator',
      updatedBy: 'system',
    });
    const listed = JSON.parse((await run('slack-user', 'list')).stdout) as { userId: string }[];
    expect(listed.map((u) => u.userId)).toContain('U0CLI');
    expect((await run('slack-user', 'remove', '--user', 'U0CLI')).stdout).toBe(
      'Slack user U0CLI removed (was operator)\n',
    );
  });
});
