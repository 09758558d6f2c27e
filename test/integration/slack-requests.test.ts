/**
 * Requests as the outside world sends them (#15 items 2–4): the same signed bytes twice, two
 * different requests sharing a trigger_id, bodies far bigger than anything Slack sends.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.ts';
import { createSlack } from '../../src/slack/app.ts';
import { factories } from '../factories.ts';
import { startBackground, type Background } from '../helpers/background.ts';
import { databaseFingerprint, type TestContext } from '../helpers/context.ts';
import { slackSignature, type FakeSlack, type SlackSender } from '../helpers/fake-slack.ts';
import { startSlackApp } from '../helpers/slack-app.ts';

const SECRET = 'requests-test-signing-secret';
const OPERATOR = 'U0REQOPS';

let fake: FakeSlack;
let ctx: TestContext;
let bg: Background;
let slack: SlackSender;
let projectCode: string;
let part: string;
/** A second web process: its own Slack app and server on the same database and Redis. */
let second: { server: Server; url: string };

const now = () => Math.floor(Date.now() / 1000);
const answersAt = (url: string) => fake.responses.filter((r) => url.endsWith(`/respond/${r.id}`));
const commandBody = (text: string, fields: Record<string, string> = {}) =>
  new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T0001',
    channel_id: 'C0REQ01',
    user_id: OPERATOR,
    command: '/build',
    text,
    response_url: fake.responseUrl(),
    trigger_id: `${Date.now()}.${Math.random()}`,
    ...fields,
  }).toString();

async function send(url: string, body: string, timestamp = now()) {
  const res = await fetch(`${url}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(SECRET, timestamp, body),
    },
    body,
  });
  return { status: res.status, text: await res.text() };
}

const buildsOfProject = async () =>
  (
    await ctx
      .db('builds')
      .join('projects', 'projects.id', 'builds.project_id')
      .where('projects.code', projectCode)
  ).length;
const stockOf = async () =>
  Number(
    (await ctx
      .db('lots')
      .join('parts', 'parts.id', 'lots.part_id')
      .where('parts.code', part)
      .sum('lots.quantity as q')
      .first())!.q,
  );

beforeAll(async () => {
  ({ fake, ctx, slack } = await startSlackApp(SECRET));
  bg = await startBackground(ctx);
  const f = factories({ uow: ctx.uow });
  part = (await f.part()).code;
  await f.lot({ part, quantity: 100 });
  projectCode = (await f.project({ lines: [{ part, quantity: 1 }] })).code;
  await ctx.api('PUT', `/api/v1/slack-users/${OPERATOR}`, { body: { role: 'operator' } });
  const slackApp = createSlack(ctx)!;
  const server = createServer(createApp(ctx, { rawRouters: [{ path: '/slack', router: slackApp.router! }] }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  second = { server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
});
afterAll(async () => {
  second?.server.closeAllConnections();
  await new Promise<void>((resolve) => (second ? second.server.close(() => resolve()) : resolve()));
  await bg?.stop();
  await ctx?.close();
  await fake?.close();
});

describe('a replayed signed request (item 2)', () => {
  it('runs once: the same bytes again are refused, by this web process and by another one', async () => {
    const body = commandBody(`start ${projectCode} 2`);
    const timestamp = now();
    expect((await send(ctx.url, body, timestamp)).status).toBe(200);
    await fake.waitFor(() => answersAt(new URLSearchParams(body).get('response_url')!)[0], 'the answer');
    await new Promise((r) => setTimeout(r, 1_500));
    const before = await databaseFingerprint(ctx);
    const stock = await stockOf();
    expect((await send(ctx.url, body, timestamp)).status).toBe(401);
    expect((await send(second.url, body, timestamp)).status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(await databaseFingerprint(ctx)).toBe(before);
    expect(await buildsOfProject()).toBe(1);
    expect(await stockOf()).toBe(stock);
    expect(answersAt(new URLSearchParams(body).get('response_url')!)).toHaveLength(1);
  });

  it('still takes a fresh request with the same text (a new timestamp and signature)', async () => {
    const first = await slack.command('/build', `status ${projectCode}`, { user: OPERATOR });
    const again = await slack.command('/build', `status ${projectCode}`, {
      user: OPERATOR,
      timestamp: now() + 1,
    });
    expect([first.status, again.status]).toEqual([200, 200]);
  });
});

describe('answers keyed on the request (item 3)', () => {
  it('answers two different commands that carry the same trigger_id, each', async () => {
    const trigger = `${Date.now()}.42.sametrigger`;
    const a = commandBody(`status ${projectCode}`, { trigger_id: trigger });
    const b = commandBody('x', { trigger_id: trigger, command: '/lot', text: projectCode });
    expect((await send(ctx.url, a)).status).toBe(200);
    expect((await send(ctx.url, b)).status).toBe(200);
    const urlA = new URLSearchParams(a).get('response_url')!;
    const urlB = new URLSearchParams(b).get('response_url')!;
    await fake.waitFor(() => answersAt(urlA)[0], 'the first answer');
    await fake.waitFor(() => answersAt(urlB)[0], 'the second answer');
  });
});

describe('oversized bodies (item 4)', () => {
  it('refuses a 1.1 MB signed command with 413 and changes nothing', async () => {
    const before = await databaseFingerprint(ctx);
    const body = commandBody(`start ${projectCode} 1 stages ${'A,'.repeat(550_000)}`);
    expect(body.length).toBeGreaterThan(1_100_000);
    const res = await send(ctx.url, body);
    expect(res.status).toBe(413);
    expect(res.text.length).toBeLessThan(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(await databaseFingerprint(ctx)).toBe(before);
  });

  it('never echoes more than a short excerpt of what was typed', async () => {
    const long = 'x'.repeat(20_000);
    for (const text of [
      long,
      `start ${long} 1`,
      `start ${projectCode} 1 ${long}`,
      `status ${projectCode} ${long}`,
    ]) {
      const sent = await slack.command('/build', text, { user: OPERATOR });
      expect(sent.status).toBe(200);
      expect(sent.text.length).toBeLessThan(1_000);
      expect(sent.text).not.toContain('x'.repeat(50));
    }
    // …nor in the answer through response_url: an unknown project name is cut to an excerpt.
    const unknown = await slack.command('/build', `start "${'y'.repeat(150)}" 1`, { user: OPERATOR });
    const answer = await fake.waitFor(() => answersAt(unknown.responseUrl)[0], 'the unknown-project answer');
    expect(String(answer.body.text)).toContain('no project is named');
    expect(String(answer.body.text)).not.toContain('y'.repeat(50));
    const trace = await slack.command('/trace', long, { user: OPERATOR });
    expect(trace.text.length).toBeLessThan(1_000);
  });
});

describe('signed bodies Slack never sends', () => {
  it('are answered 400 at once, not held until Bolt gives up on them', async () => {
    for (const [body, type] of [
      ['payload=' + encodeURIComponent('[1,2,3]'), 'application/x-www-form-urlencoded'],
      ['=&&&==%%%', 'application/x-www-form-urlencoded'],
      ['', 'application/x-www-form-urlencoded'],
      ['[]', 'application/json'],
    ] as const) {
      const timestamp = now();
      const started = Date.now();
      const res = await fetch(`${ctx.url}/slack/events`, {
        method: 'POST',
        headers: {
          'content-type': type,
          'x-slack-request-timestamp': String(timestamp),
          'x-slack-signature': slackSignature(SECRET, timestamp, body),
        },
        body,
      });
      expect([body, res.status]).toEqual([body, 400]);
      expect(Date.now() - started).toBeLessThan(1_000);
    }
  });
});
