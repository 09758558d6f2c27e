/**
 * A webhook endpoint disabled automatically (410 Gone) is told to every Slack admin in a direct
 * message, once, through the notify queue against the fake Slack Web API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackground, type Background } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

let ctx: TestContext;
let bg: Background;
let fake: FakeSlack;
let receiver: WebhookReceiver;

beforeAll(async () => {
  fake = await startFakeSlack();
  ctx = await createTestContext({
    env: {
      SLACK_SIGNING_SECRET: 'alerts-secret',
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_API_URL: fake.apiUrl,
      WEBHOOK_ALLOW_LIST: '127.0.0.1',
    },
  });
  bg = await startBackground(ctx);
  receiver = await startWebhookReceiver({ secrets: [], behaviour: { kind: 'status', status: 410 } });
});
afterAll(async () => {
  await bg?.stop();
  await receiver?.close();
  await ctx?.close();
  await fake?.close();
});

describe('Slack alerts', () => {
  it('tells each Slack admin, once, that a webhook endpoint was disabled', async () => {
    await ctx.api('PUT', '/api/v1/slack-users/U0ADMIN1', { body: { role: 'admin' } });
    await ctx.api('PUT', '/api/v1/slack-users/U0ADMIN2', { body: { role: 'admin' } });
    await ctx.api('PUT', '/api/v1/slack-users/U0OPERATOR', { body: { role: 'operator' } });
    const endpoint = await ctx.api('POST', '/api/v1/webhook-endpoints', {
      body: { url: `${receiver.url}/gone`, eventTypes: ['recall.ready'] },
    });
    await ctx.api('POST', `/api/v1/webhook-endpoints/${endpoint.body.id as number}/test`, { body: {} });

    const alerts = await fake.waitFor(() => {
      const posts = fake
        .ok('chat.postMessage')
        .filter((c) => String(c.args.text ?? '').includes('was disabled'));
      return posts.length >= 2 ? posts : undefined;
    }, 'the alerts');
    expect(alerts.map((a) => a.args.channel).sort()).toEqual(['U0ADMIN1', 'U0ADMIN2']);
    // Named by its origin: the path (where receivers keep tokens) stays out of Slack.
    expect(String(alerts[0]!.args.text)).toContain(`(${new URL(receiver.url).origin})`);
    expect(JSON.stringify(alerts[0]!.args)).not.toContain('/gone');
    expect(String(alerts[0]!.args.text)).toMatch(/410/);
    await new Promise((r) => setTimeout(r, 300));
    expect(
      fake.ok('chat.postMessage').filter((c) => String(c.args.text ?? '').includes('was disabled')),
    ).toHaveLength(2);
  });
});
