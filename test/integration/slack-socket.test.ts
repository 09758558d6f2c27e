/**
 * Socket Mode (SLACK_SOCKET_MODE=true, for sites behind a firewall): the web process asks
 * `apps.connections.open` for a WebSocket URL — here the fake's `ws://127.0.0.1` — connects out, and
 * receives commands as envelopes it acknowledges by envelope_id; the same listeners answer them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { startBackground, type Background } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';

let fake: FakeSlack;
let ctx: TestContext;
let bg: Background;

const command = (text: string, responseUrl: string) => ({
  envelope_id: `env-${Math.random().toString(36).slice(2)}`,
  type: 'slash_commands',
  accepts_response_payload: true,
  payload: {
    token: 'deprecated',
    team_id: 'T0001',
    channel_id: 'C0PROD1',
    user_id: 'U0SOCKET',
    command: '/build',
    text,
    api_app_id: 'A0BUILDTRACE',
    response_url: responseUrl,
    trigger_id: `t.${Math.random()}`,
  },
});

beforeAll(async () => {
  fake = await startFakeSlack();
  ctx = await createTestContext({
    env: {
      SLACK_SOCKET_MODE: 'true',
      SLACK_APP_TOKEN: 'xapp-test-token',
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_API_URL: fake.apiUrl,
    },
  });
  bg = await startBackground(ctx);
});
afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
  await fake?.close();
});

describe('Socket Mode', () => {
  it('connects with the app token and mounts nothing over HTTP', async () => {
    const open = fake.calls.find((c) => c.method === 'apps.connections.open');
    expect(open?.token).toBe('xapp-test-token');
    expect(fake.socket.connections()).toBe(1);
    const res = await fetch(`${ctx.url}/slack/events`, { method: 'POST', body: 'x=1' });
    expect(res.status).toBe(404);
  });

  it('acknowledges a command envelope, with the usage answer as its payload', async () => {
    const envelope = command('start Sensor 0', fake.responseUrl());
    fake.socket.send(envelope);
    const ack = await fake.waitFor(
      () => fake.socket.received.find((m) => m.envelope_id === envelope.envelope_id),
      'the ack of the envelope',
    );
    expect(ack.payload).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('Quantity must be at least 1.'),
    });
  });

  it('acknowledges at once and answers through response_url, as over HTTP', async () => {
    const f = factories({ uow: ctx.uow });
    const part = await f.part();
    const project = await f.project({ lines: [{ part: part.code, quantity: 1 }] });
    const build = (
      (
        await ctx.api('POST', '/api/v1/builds', {
          body: { project: project.code, quantity: 1, start: false },
        })
      ).body.build as { code: string }
    ).code;
    const responseUrl = fake.responseUrl();
    const envelope = command(`status ${build}`, responseUrl);
    fake.socket.send(envelope);
    await fake.waitFor(
      () => fake.socket.received.find((m) => m.envelope_id === envelope.envelope_id),
      'the ack',
    );
    const answer = await fake.waitFor(
      () => fake.responses.find((r) => responseUrl.endsWith(r.id)),
      'the answer',
    );
    expect(answer.body.text).toContain(`Build ${build}`);
    // The event got a request id of its own, which its job carries (and logs with), as over HTTP.
    const queue = ctx.queues.get(ctx.queues.route('slack.answer').queue);
    const jobs = await queue.getJobs(['completed', 'active', 'waiting', 'delayed']);
    const job = jobs.find((j) => j?.name === 'slack.answer' && j.data.responseUrl === responseUrl);
    expect(job?.data.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
