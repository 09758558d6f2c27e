/**
 * What Slack shows reads right and matches the API (#15 items 5 and 6): names rather than codes,
 * formatted serials, one unit said as one, a cancelled build without a next stage, a cancel reply
 * without a made-up reason, a device's trace without whole-build quantities under it, and commands
 * and buttons that do what the API does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { quiesce, settledBuild, startBackground, waitFor, type Background } from '../helpers/background.ts';
import { type TestContext } from '../helpers/context.ts';
import type { FakeSlack, SlackSender } from '../helpers/fake-slack.ts';
import { startSlackApp } from '../helpers/slack-app.ts';

const SECRET = 'messages-test-signing-secret';
const OPERATOR = 'U0MSGOPS';
const CHANNEL = 'C0MSGS01';

let fake: FakeSlack;
let ctx: TestContext;
let bg: Background;
let slack: SlackSender;
let f: ReturnType<typeof factories>;
let formatted: string;
let plain: string;
let sensorLot: string;

const answerAt = (url: string, index = 0) =>
  fake.waitFor(
    () => fake.responses.filter((r) => url.endsWith(`/respond/${r.id}`))[index]?.body,
    `answer ${index} at ${url}`,
  );
const textOf = (body: Record<string, unknown>) =>
  [
    String(body.text ?? ''),
    JSON.stringify(body.blocks ?? [])
      .replace(/\\n/g, '\n')
      .replace(/\\"/g, '"'),
  ].join('\n');
/** The latest rendering of a build's message: its post, or its last update. */
function latestMessage(code: string): string {
  const post = fake.messages.find((m) => m.metadata?.event_payload?.subject === `build:${code}`);
  if (!post) return '';
  const updates = fake.ok('chat.update').filter((c) => c.args.ts === post.ts);
  const last = updates.at(-1)?.args ?? (post as unknown as Record<string, unknown>);
  return textOf(last);
}
const actionsOf = (code: string): { action_id: string; style?: string }[] => {
  const post = fake.messages.find((m) => m.metadata?.event_payload?.subject === `build:${code}`)!;
  const updates = fake.ok('chat.update').filter((c) => c.args.ts === post.ts);
  const blocks = (updates.at(-1)?.args.blocks ?? post.blocks) as { type: string; elements?: never[] }[];
  return blocks.find((b) => b.type === 'actions')?.elements ?? [];
};

async function startFromSlack(text: string): Promise<string> {
  const sent = await slack.command('/build', text, { user: OPERATOR, channel: CHANNEL });
  expect(sent.status).toBe(200);
  const code = /Build (\w{10})/.exec(String((await answerAt(sent.responseUrl)).text))?.[1];
  expect(code, JSON.stringify(fake.responses.at(-1))).toBeDefined();
  return code!;
}

beforeAll(async () => {
  ({ fake, ctx, slack } = await startSlackApp(SECRET));
  f = factories({ uow: ctx.uow });
  const sensor = await f.part({ name: 'BME280 sensor' });
  const shelf = await f.location({ name: 'Shelf A3' });
  sensorLot = (await f.lot({ part: sensor.code, quantity: 1_000, location: shelf.code })).code;
  formatted = (
    await f.project({
      name: 'Weather node',
      serialFormat: 'WN-{seq:04}',
      lines: [{ part: sensor.code, quantity: 2 }],
    })
  ).code;
  plain = (await f.project({ name: 'Plain board', lines: [{ part: sensor.code, quantity: 1 }] })).code;
  bg = await startBackground(ctx);
  await ctx.api('PUT', `/api/v1/slack-users/${OPERATOR}`, { body: { role: 'operator' } });
});
afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
  await fake?.close();
});

describe('messages that read right (item 5)', () => {
  it('/lot names the part and the location', async () => {
    const sent = await slack.command('/lot', sensorLot, { user: OPERATOR });
    const text = textOf(await answerAt(sent.responseUrl));
    expect(text).toContain('BME280 sensor');
    expect(text).toContain('Shelf A3');
  });

  it('a build message shows formatted serials; one unit reads as one; cancelled has no next stage', async () => {
    const five = await startFromSlack(`start ${formatted} 5 track stages Assembly,Test`);
    await settledBuild(ctx, five, (b) => (b.progress as { generated: number }).generated === 5);
    await waitFor(async () => latestMessage(five).includes('WN-0001'), 'formatted serials in the message');
    expect(latestMessage(five)).toContain('WN-0001–WN-0005');
    expect(latestMessage(five)).not.toContain('serials 1–5');

    const one = await startFromSlack(`start ${plain} 1 track stages Assembly`);
    await settledBuild(ctx, one, (b) => (b.progress as { generated: number }).generated === 1);
    await waitFor(async () => latestMessage(one).includes('*Units:*'), 'the units line');
    expect(latestMessage(one)).toContain('1 unit with serial 1');
    expect(latestMessage(one)).not.toContain('1–1');

    const cancel = await slack.command('/build', `cancel ${one}`, { user: OPERATOR, channel: CHANNEL });
    expect(cancel.status).toBe(200);
    const reply = await fake.waitFor(
      () => fake.messages.find((m) => m.metadata?.event_payload?.subject === `build:${one}:cancelled`),
      'the cancel reply',
    );
    expect(reply.text).toBe(
      `:no_entry_sign: Build ${one} cancelled by <@${OPERATOR}>: 1 in-production unit removed, 1 component returned to its lot.`,
    );
    await waitFor(async () => latestMessage(one).includes('cancelled'), 'the cancelled message');
    await quiesce(ctx);
    expect(latestMessage(one)).not.toContain(':arrow_forward:');
  });

  it("a device's backward trace does not put the build's whole consumption under it", async () => {
    const build = await startFromSlack(`start ${formatted} 5 track`);
    await settledBuild(ctx, build, (b) => (b.progress as { generated: number }).generated === 5);
    const device = (await ctx.api('GET', `/api/v1/builds/${build}/units/1`)).body.code as string;
    const sent = await slack.command('/trace', device, { user: OPERATOR });
    const text = textOf(await answerAt(sent.responseUrl));
    expect(text).toContain('BME280 sensor');
    expect(text).not.toMatch(/10 × `/);
    expect(text).toContain('build used 10');
  });

  it('/trace with a word that is not a direction names it', async () => {
    const sent = await slack.command('/trace', `${sensorLot} sideways`, { user: OPERATOR });
    expect(String(sent.json?.text)).toContain("'sideways' is not a direction");
  });

  it('a template name that does not exist is answered with the templates there are', async () => {
    const build = await startFromSlack(`start ${plain} 2 track`);
    await settledBuild(ctx, build, (b) => (b.progress as { generated: number }).generated === 2);
    const sent = await slack.command('/build', `labels ${build} nosuchlabel`, { user: OPERATOR });
    const text = String((await answerAt(sent.responseUrl)).text);
    expect(text).toContain("'nosuchlabel' is not a label template");
    expect(text).toContain('brother-62x29');
    expect(text).not.toMatch(/Invalid option|expected one of/);
  });
});

describe('commands that match the API and the message (item 6)', () => {
  it('/build complete <build> 1-3 completes those units, as the API does with serials', async () => {
    const build = await startFromSlack(`start ${plain} 5 track stages Assembly`);
    await settledBuild(ctx, build, (b) => (b.progress as { generated: number }).generated === 5);
    await ctx.api('POST', `/api/v1/builds/${build}/advance`, { body: {} });
    await settledBuild(ctx, build, (b) => (b.stages as { completedAt: unknown }[])[0]!.completedAt !== null);
    const sent = await slack.command('/build', `complete ${build} 1-3`, { user: OPERATOR });
    expect(sent.status).toBe(200);
    expect(sent.text).toBe('');
    expect(String((await answerAt(sent.responseUrl)).text)).toContain(
      `Completion of build ${build} requested`,
    );
    await settledBuild(ctx, build, (b) => (b.progress as { completed: number }).completed === 3);
  });

  it('a multi-stage build offers Advance while stages are open, and Complete only after them', async () => {
    const build = await startFromSlack(`start ${plain} 2 track stages SMT,Test`);
    await settledBuild(ctx, build, (b) => (b.progress as { generated: number }).generated === 2);
    await waitFor(
      // The message first (actionsOf expects it posted), then its buttons.
      async () => latestMessage(build).includes('*Units:*') && actionsOf(build).length > 0,
      'buttons',
    );
    expect(actionsOf(build).map((a) => a.action_id)).toContain('build_advance');
    expect(actionsOf(build).map((a) => a.action_id)).not.toContain('build_complete');
    const pressed = await slack.button('build_advance', build, { user: OPERATOR, channel: CHANNEL });
    expect(pressed.status).toBe(200);
    expect(String((await answerAt(pressed.responseUrl)).text)).toContain('next stage');
    await settledBuild(ctx, build, (b) => (b.stages as { completedAt: unknown }[])[0]!.completedAt !== null);
    await ctx.api('POST', `/api/v1/builds/${build}/advance`, { body: {} });
    await settledBuild(ctx, build, (b) => (b.stages as { completedAt: unknown }[])[1]!.completedAt !== null);
    await waitFor(async () => actionsOf(build).some((a) => a.action_id === 'build_complete'), 'Complete');
    expect(actionsOf(build).find((a) => a.action_id === 'build_complete')!.style).toBe('primary');
    expect(actionsOf(build).map((a) => a.action_id)).not.toContain('build_advance');
  });

  it('/build labels of an untracked build prints the labels of the lot it made', async () => {
    // Without stages, a build is completed once started.
    const build = await startFromSlack(`start ${plain} 3`);
    await settledBuild(ctx, build, (b) => b.status === 'completed');
    const sent = await slack.command('/build', `labels ${build}`, { user: OPERATOR, channel: CHANNEL });
    const text = String((await answerAt(sent.responseUrl)).text);
    expect(text).not.toContain('label its lots instead');
    expect(text).toMatch(/Rendering 1 label for the lot build \w{10} made/);
  });
});
