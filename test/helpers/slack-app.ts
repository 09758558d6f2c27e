/**
 * The Slack tests' setup: a fake Slack, the app under test talking to it over HTTP (events signed
 * with `secret`, the bot token `xoxb-test-token`), and a sender that signs requests as Slack does.
 */
import { createTestContext, type TestContext } from './context.ts';
import { slackSender, startFakeSlack, type FakeSlack, type SlackSender } from './fake-slack.ts';

export interface SlackApp {
  fake: FakeSlack;
  ctx: TestContext;
  slack: SlackSender;
}

/** Starts the fake Slack, then a test context configured for it; `env` adds to (or overrides) the Slack settings. */
export async function startSlackApp(secret: string, env: Record<string, string> = {}): Promise<SlackApp> {
  const fake = await startFakeSlack();
  try {
    const ctx = await createTestContext({
      env: {
        SLACK_SIGNING_SECRET: secret,
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_API_URL: fake.apiUrl,
        ...env,
      },
    });
    return { fake, ctx, slack: slackSender(ctx.url, secret, fake) };
  } catch (error) {
    await fake.close();
    throw error;
  }
}
