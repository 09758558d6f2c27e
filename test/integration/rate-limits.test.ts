/**
 * Rate limits: a valid API token has its own budget (RATE_LIMIT_PER_MINUTE); requests without one —
 * no token, made-up or revoked tokens — share their address's stricter budget, so a flood of random
 * tokens cannot buy a budget each, and refused tokens are counted apart from valid ones, so a flood of
 * them locks out no valid token, not even one never used before; the Slack endpoint has its own per-address budget
 * (SLACK_RATE_LIMIT_PER_MINUTE). A refusal is a 429 problem with Retry-After, never a 5xx.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unauthenticatedPerMinute } from '../../src/http/security.ts';
import { createTestContext, type ApiResponse, type TestContext } from '../helpers/context.ts';
import { slackSender, startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';

const PER_MINUTE = 40;
const SLACK_PER_MINUTE = 5;
const SECRET = 'rate-limit-signing-secret';

let perAddress: TestContext;
let perToken: TestContext;
let slackCtx: TestContext;
let fake: FakeSlack;

beforeAll(async () => {
  const env = { RATE_LIMIT_PER_MINUTE: String(PER_MINUTE) };
  perAddress = await createTestContext({ env });
  perToken = await createTestContext({ env });
  fake = await startFakeSlack();
  slackCtx = await createTestContext({
    env: {
      SLACK_RATE_LIMIT_PER_MINUTE: String(SLACK_PER_MINUTE),
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: 'xoxb-rate-limit-test',
      SLACK_API_URL: fake.apiUrl,
    },
  });
});
afterAll(async () => {
  await perAddress?.close();
  await perToken?.close();
  await slackCtx?.close();
  await fake?.close();
});

const bogus = () => `bt_${randomBytes(24).toString('hex')}`;

function expectTooMany(res: ApiResponse | Response, detail: RegExp, body: unknown) {
  expect(res.status).toBe(429);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(body).toMatchObject({ status: 429, title: 'Too Many Requests' });
  expect((body as { detail?: unknown }).detail).toMatch(detail);
}

describe('API rate limits', () => {
  const budget = unauthenticatedPerMinute(PER_MINUTE);

  it('gives requests without a valid token one budget per address, however many tokens they make up', async () => {
    expect(budget).toBeLessThan(PER_MINUTE);
    const ctx = perAddress;
    // A client that has been working all along, from the same address.
    expect((await ctx.api('GET', '/api/v1/parts', { role: 'operator' })).status).toBe(200);

    const asBogus = (token: string, init: RequestInit = {}) =>
      fetch(`${ctx.url}/api/v1/parts`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
      });
    const answers: Response[] = [];
    for (let i = 0; i < budget - 1; i++) answers.push(await asBogus(bogus()));
    // Who is asking is settled before the body is read: broken JSON from a stranger is a 401.
    answers.push(
      await asBogus(bogus(), {
        method: 'POST',
        body: '{"name": ',
        headers: { 'content-type': 'application/json' },
      }),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(budget).fill(401));

    const over = await asBogus(bogus());
    expectTooMany(
      over,
      /without a valid API token from this address: at most \d+ a minute/,
      await over.json(),
    );
    const none = await fetch(`${ctx.url}/api/v1/parts`);
    expectTooMany(none, /without a valid API token/, await none.json());

    // The working client is not locked out by its neighbour's made-up tokens.
    expect((await ctx.api('GET', '/api/v1/parts', { role: 'operator' })).status).toBe(200);
    // Nor is a valid token never used before (a new station behind the same proxy): refused tokens
    // are counted apart from valid ones (#14 item 28).
    expect((await ctx.api('GET', '/api/v1/parts', { role: 'admin' })).status).toBe(200);
    // While made-up tokens and requests without one still wait for the address's budget.
    const still = await asBogus(bogus());
    expectTooMany(still, /without a valid API token/, await still.json());
  });

  it('lets a new valid token through after a flood of 1,000 made-up tokens from its address', async () => {
    const ctx = await createTestContext({ env: { RATE_LIMIT_PER_MINUTE: String(PER_MINUTE) } });
    try {
      const statuses = new Map<number, number>();
      for (let i = 0; i < 1000; i += 50) {
        const batch = await Promise.all(
          Array.from({ length: 50 }, () =>
            fetch(`${ctx.url}/api/v1/parts`, { headers: { authorization: `Bearer ${bogus()}` } }),
          ),
        );
        for (const r of batch) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
      expect(statuses.get(401)).toBe(budget);
      expect(statuses.get(429)).toBe(1000 - budget);
      // A station's token, created after the flood began and never used before.
      const created = await ctx.api('POST', '/api/v1/tokens', {
        role: 'admin',
        body: { name: 'station 7', role: 'operator' },
      });
      expect(created.status, created.text).toBe(201);
      const station = (path: string) =>
        fetch(`${ctx.url}${path}`, { headers: { authorization: `Bearer ${created.body.token as string}` } });
      for (let i = 0; i < 3; i++) expect((await station('/api/v1/parts')).status).toBe(200);
      // Its own budget is the per-token one, untouched by the flood.
      const answers: number[] = [];
      for (let i = 3; i < PER_MINUTE + 1; i++) answers.push((await station('/api/v1/parts')).status);
      expect(answers.slice(0, -1).every((s) => s === 200)).toBe(true);
      expect(answers.at(-1)).toBe(429);
    } finally {
      await ctx.close();
    }
  });

  it('gives each valid token its own budget: one token running out does not stop another', async () => {
    const ctx = perToken;
    const answers: number[] = [];
    for (let i = 0; i < PER_MINUTE; i++)
      answers.push((await ctx.api('GET', '/api/v1/parts', { role: 'viewer' })).status);
    expect(answers).toEqual(Array(PER_MINUTE).fill(200));
    const over = await ctx.api('GET', '/api/v1/parts', { role: 'viewer' });
    expectTooMany(over, new RegExp(`too many API requests: at most ${PER_MINUTE} a minute`), over.body);

    expect((await ctx.api('GET', '/api/v1/parts', { role: 'operator' })).status).toBe(200);
    expect((await ctx.api('POST', '/api/v1/parts', { role: 'admin', body: { name: 'After' } })).status).toBe(
      201,
    );
    // Nor do the exhausted token's requests spend the address's budget for strangers.
    expect((await fetch(`${ctx.url}/api/v1/parts`)).status).toBe(401);
  });
});

describe('Slack rate limit', () => {
  it('answers signed requests over the limit with 429, never a 5xx', async () => {
    const slack = slackSender(slackCtx.url, SECRET, fake);
    const statuses: number[] = [];
    let last: { status: number; text: string } | undefined;
    for (let i = 0; i < SLACK_PER_MINUTE + 2; i++) {
      last = await slack.command('/build', 'help', { user: 'U0RATELIMIT' });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, SLACK_PER_MINUTE).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(SLACK_PER_MINUTE)).toEqual([429, 429]);
    expect(JSON.parse(last!.text)).toMatchObject({
      status: 429,
      detail: expect.stringMatching(
        new RegExp(`too many Slack requests: at most ${SLACK_PER_MINUTE} a minute`),
      ),
    });
  });
});
