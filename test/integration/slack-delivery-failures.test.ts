/**
 * When Slack refuses to take what the bot posts (#15 item 1): the person who asked is told, through
 * the request's response_url, what failed and how to fix it, and the build or label run shows it in
 * the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { settledBuild, startBackground, waitFor, type Background } from '../helpers/background.ts';
import { type TestContext } from '../helpers/context.ts';
import type { FakeSlack, SlackSender } from '../helpers/fake-slack.ts';
import { startSlackApp } from '../helpers/slack-app.ts';

const SECRET = 'delivery-failures-test-secret';
const OPERATOR = 'U0FAILOPS';

let fake: FakeSlack;
let ctx: TestContext;
let bg: Background;
let slack: SlackSender;
let project: string;

const answersAt = (url: string) =>
  fake.responses.filter((r) => url.endsWith(`/respond/${r.id}`)).map((r) => r.body);

beforeAll(async () => {
  ({ fake, ctx, slack } = await startSlackApp(SECRET));
  const f = factories({ uow: ctx.uow });
  const part = await f.part();
  await f.lot({ part: part.code, quantity: 100 });
  project = (await f.project({ lines: [{ part: part.code, quantity: 1 }] })).code;
  bg = await startBackground(ctx);
  await ctx.api('PUT', `/api/v1/slack-users/${OPERATOR}`, { body: { role: 'operator' } });
});
afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
  await fake?.close();
});

describe('a Slack refusal is told to the person and shown in the API', () => {
  it('build message on channel_not_found', async () => {
    // Every post to the channel is refused (later events try again, as they should once the bot is
    // invited), so the failure stays to be seen.
    fake.refuseChannel('C0GONE01', 'channel_not_found');
    const sent = await slack.command('/build', `start ${project} 2 track`, {
      user: OPERATOR,
      channel: 'C0GONE01',
    });
    expect(sent.status).toBe(200);
    const told = await fake.waitFor(() => answersAt(sent.responseUrl)[1], 'the failure to be told');
    const code = /Build (\w{10})/.exec(String(answersAt(sent.responseUrl)[0]!.text))![1]!;
    expect(told).toMatchObject({ response_type: 'ephemeral' });
    expect(String(told.text)).toContain(`build ${code}`);
    expect(String(told.text)).toContain('<#C0GONE01>');
    expect(String(told.text)).toContain('channel_not_found');
    expect(String(told.text)).toMatch(/invite @buildtrace/i);
    const shown = await waitFor(async () => {
      const res = await ctx.api('GET', `/api/v1/builds/${code}`);
      return (res.body.slack as { status?: string } | undefined)?.status === 'failed' ? res.body : null;
    }, 'the failure on the build');
    expect(shown.slack).toMatchObject({ channel: 'C0GONE01', status: 'failed', error: 'channel_not_found' });
    expect(answersAt(sent.responseUrl)).toHaveLength(2);
  });

  it('label PDF on not_in_channel', async () => {
    const start = await slack.command('/build', `start ${project} 2 track`, {
      user: OPERATOR,
      channel: 'C0LINE02',
    });
    const code = /Build (\w{10})/.exec(
      String((await fake.waitFor(() => answersAt(start.responseUrl)[0], 'the start answer')).text),
    )![1]!;
    await settledBuild(ctx, code, (b) => (b.progress as { generated: number }).generated === 2);
    const posted = await ctx.api('GET', `/api/v1/builds/${code}`);
    expect(posted.body.slack).toMatchObject({ channel: 'C0LINE02', status: 'posted', error: null });

    fake.script('files.completeUploadExternal', { error: 'not_in_channel' });
    const sent = await slack.command('/build', `labels ${code} serials 1-2`, {
      user: OPERATOR,
      channel: 'C0LINE02',
    });
    expect(
      String((await fake.waitFor(() => answersAt(sent.responseUrl)[0], 'the ack answer')).text),
    ).toContain('the PDF will be posted in this channel');
    const told = await fake.waitFor(() => answersAt(sent.responseUrl)[1], 'the failure to be told');
    expect(String(told.text)).toContain('<#C0LINE02>');
    expect(String(told.text)).toContain('not_in_channel');
    expect(String(told.text)).toMatch(/invite @buildtrace/i);
    expect(String(told.text)).toContain(`/build labels ${code}`);
    const runs = await ctx.api('GET', '/api/v1/labels');
    const run = (runs.body.items as { id: number }[])[0]!;
    const shown = await ctx.api('GET', `/api/v1/labels/${run.id}`);
    expect(shown.body.slack).toMatchObject({
      channel: 'C0LINE02',
      status: 'failed',
      error: 'not_in_channel',
    });
  });
});
