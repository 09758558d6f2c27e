/**
 * Webhooks end to end against a real HTTP receiver on 127.0.0.1 (allow-listed) that verifies every
 * delivery with the `standardwebhooks` library: events fan out to endpoints, deliveries retry with
 * the same webhook-id, time out, survive a stopped receiver, 410 disables, redelivery, rotation,
 * and the SSRF guard refuses private addresses that are not allow-listed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { quiesce, settledBuild, startBackground, waitFor, type Background } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

let ctx: TestContext;
let bg: Background;
let f: ReturnType<typeof factories>;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  ctx = await createTestContext({
    env: {
      WEBHOOK_ALLOW_LIST: '127.0.0.1',
      WEBHOOK_RETRY_DELAYS_MS: '150,150,150,150,150,150,150',
      WEBHOOK_TIMEOUT_MS: '400',
    },
  });
  f = factories({ uow: ctx.uow });
  bg = await startBackground(ctx);
});
afterAll(async () => {
  await bg?.stop();
  for (const r of receivers) await r.close().catch(() => undefined);
  await ctx?.close();
});

/** A receiver and an endpoint pointing at it, subscribed to `eventTypes`. */
async function subscribe(eventTypes: string[]) {
  const secrets: string[] = [];
  const receiver = await startWebhookReceiver({ secrets });
  receivers.push(receiver);
  const res = await ctx.api('POST', '/api/v1/webhook-endpoints', {
    body: { url: `${receiver.url}/hooks`, eventTypes },
  });
  expect(res.status, res.text).toBe(201);
  expect(res.body.secret).toMatch(/^whsec_/);
  secrets.push(res.body.secret as string);
  return { receiver, secrets, endpoint: res.body.id as number };
}

async function ping(endpoint: number) {
  const res = await ctx.api('POST', `/api/v1/webhook-endpoints/${endpoint}/test`, { body: {} });
  expect(res.status, res.text).toBe(202);
  return res.body.id as number;
}

async function deliveryDone(id: number) {
  return waitFor(async () => {
    const res = await ctx.api('GET', `/api/v1/webhook-deliveries/${id}`);
    return ['succeeded', 'failed', 'cancelled'].includes(res.body.status as string) ? res.body : undefined;
  }, `delivery ${id}`);
}

describe('webhook deliveries', () => {
  it('delivers exactly one signed build.completed for a completed build', async () => {
    const { receiver, endpoint } = await subscribe(['build.completed']);
    const component = await f.part();
    await f.lot({ part: component.code, quantity: 10 });
    const project = await f.project({ lines: [{ part: component.code, quantity: 1 }] });
    const res = await ctx.api('POST', '/api/v1/builds', { body: { project: project.code, quantity: 2 } });
    const code = (res.body.build as { code: string }).code;
    await settledBuild(ctx, code, (b) => b.status === 'completed');
    await quiesce(ctx);
    const completed = receiver.requests.filter(
      (r) => (r.payload as { type: string } | undefined)?.type === 'build.completed',
    );
    expect(completed).toHaveLength(1);
    expect(receiver.requests).toHaveLength(1); // build.started is not subscribed
    expect(completed[0]!.verifiedWith).toEqual([0]);
    expect(completed[0]!.payload).toMatchObject({
      type: 'build.completed',
      data: { build: code, completed: 2, stream: `build:${code}`, sequence: 2 },
    });
    const log = await ctx.api('GET', `/api/v1/webhook-endpoints/${endpoint}/deliveries`);
    expect(log.body.items).toEqual([
      expect.objectContaining({
        eventType: 'build.completed',
        status: 'succeeded',
        attempts: 1,
        lastStatusCode: 204,
      }),
    ]);
  });

  it('retries a receiver that answers 500 twice: the same webhook-id three times, three attempts logged', async () => {
    const { receiver, endpoint } = await subscribe(['recall.ready']);
    receiver.script(
      { kind: 'status', status: 500, body: 'oops' },
      { kind: 'status', status: 500 },
      { kind: 'status', status: 200 },
    );
    const delivery = await deliveryDone(await ping(endpoint));
    expect(delivery.status).toBe('succeeded');
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(receiver.requests).toHaveLength(3);
    expect(receiver.requests.every((r) => r.verifiedWith.length === 1)).toBe(true);
    const attempts = delivery.attemptLog as {
      number: number;
      statusCode: number;
      responseExcerpt: string;
      outcome: string;
    }[];
    expect(attempts.map((a) => [a.number, a.statusCode, a.outcome])).toEqual([
      [1, 500, 'retry'],
      [2, 500, 'retry'],
      [3, 200, 'success'],
    ]);
    expect(attempts[0]!.responseExcerpt).toBe('oops');
  });

  it('times out a hanging receiver and retries', async () => {
    const { receiver, endpoint } = await subscribe(['recall.ready']);
    receiver.script({ kind: 'hang' });
    const delivery = await deliveryDone(await ping(endpoint));
    const attempts = delivery.attemptLog as { error: string | null; statusCode: number | null }[];
    expect(attempts[0]!.error).toMatch(/timeout after 400 ms/);
    expect(attempts.at(-1)!.statusCode).toBe(204);
    expect(delivery.status).toBe('succeeded');
  });

  it('keeps retrying a stopped receiver until it returns', async () => {
    const { receiver, endpoint, secrets } = await subscribe(['recall.ready']);
    const port = receiver.port;
    await receiver.close();
    const id = await ping(endpoint);
    await waitFor(
      async () => ((await ctx.api('GET', `/api/v1/webhook-deliveries/${id}`)).body.attempts as number) >= 2,
      'two refused attempts',
    );
    // The subscriber comes back on the same address and checks the signature as before.
    const revived = await startWebhookReceiver({ secrets, port, behaviour: { kind: 'status', status: 200 } });
    receivers.push(revived);
    const delivery = await deliveryDone(id);
    expect(delivery.status).toBe('succeeded');
    const attempts = delivery.attemptLog as { error: string | null }[];
    expect(attempts[0]!.error).toMatch(/refused/);
    expect(revived.requests.map((r) => r.headers['webhook-id'])).toEqual([delivery.messageId]);
    expect(revived.requests[0]).toMatchObject({ verifiedWith: [0], verifyError: null });
  });

  it('disables an endpoint that answers 410, and records why', async () => {
    const { receiver, endpoint } = await subscribe(['recall.ready']);
    receiver.script({ kind: 'status', status: 410 });
    const delivery = await deliveryDone(await ping(endpoint));
    expect(delivery.status).toBe('failed');
    const ep = await ctx.api('GET', `/api/v1/webhook-endpoints/${endpoint}`);
    expect(ep.body).toMatchObject({ status: 'disabled', disabledReason: expect.stringMatching(/410/) });
    const events = await ctx
      .db('events')
      .where({ type: 'webhook_endpoint.disabled', stream: `webhook_endpoint:${endpoint}` });
    expect(events).toHaveLength(1);
    // Re-enabled by an admin, it receives again.
    await ctx.api('PATCH', `/api/v1/webhook-endpoints/${endpoint}`, { body: { enabled: true } });
    expect((await deliveryDone(await ping(endpoint))).status).toBe('succeeded');
  });

  it('disables an endpoint that has been failing for more than a day', async () => {
    const { receiver, endpoint } = await subscribe(['recall.ready']);
    await ctx
      .db('webhook_endpoints')
      .where({ id: endpoint })
      .update({ failing_since: ctx.db.raw("now() - interval '25 hours'") });
    receiver.script({ kind: 'status', status: 503 });
    expect((await deliveryDone(await ping(endpoint))).status).toBe('failed');
    expect((await ctx.api('GET', `/api/v1/webhook-endpoints/${endpoint}`)).body).toMatchObject({
      status: 'disabled',
      disabledReason: expect.stringMatching(/more than 24 hours/),
    });
  });

  it('redelivers by hand with the same id and body', async () => {
    const { receiver, endpoint } = await subscribe(['recall.ready']);
    const id = await ping(endpoint);
    await deliveryDone(id);
    const res = await ctx.api('POST', `/api/v1/webhook-deliveries/${id}/redeliver`, { body: {} });
    expect(res.status).toBe(202);
    await waitFor(async () => receiver.requests.length === 2, 'the redelivery');
    expect(receiver.requests[1]!.headers['webhook-id']).toBe(receiver.requests[0]!.headers['webhook-id']);
    expect(receiver.requests[1]!.body).toBe(receiver.requests[0]!.body);
    await waitFor(
      async () =>
        ((await ctx.api('GET', `/api/v1/webhook-deliveries/${id}`)).body.attemptLog as unknown[]).length ===
        2,
      'log',
    );
    const log = (await ctx.api('GET', `/api/v1/webhook-deliveries/${id}`)).body.attemptLog as {
      manual: boolean;
    }[];
    expect(log.map((a) => a.manual)).toEqual([false, true]);
  });

  it('signs with the new and the old secret for a day after a rotation', async () => {
    const { receiver, secrets, endpoint } = await subscribe(['recall.ready']);
    const rotated = await ctx.api('POST', `/api/v1/webhook-endpoints/${endpoint}/rotate-secret`, {
      body: {},
    });
    expect(rotated.status, rotated.text).toBe(200);
    secrets.push(rotated.body.secret as string);
    expect((rotated.body.secrets as unknown[]).length).toBe(2);
    await deliveryDone(await ping(endpoint));
    expect(receiver.requests[0]!.verifiedWith).toEqual([0, 1]);
    expect(String(receiver.requests[0]!.headers['webhook-signature']).split(' ')).toHaveLength(2);
  });

  it('refuses private and internal addresses that are not allow-listed', async () => {
    for (const url of [
      'http://10.0.0.1/hook',
      'http://169.254.169.254/latest',
      'http://[::1]:8080/x',
      'ftp://example.com/x',
    ]) {
      const res = await ctx.api('POST', '/api/v1/webhook-endpoints', { body: { url, eventTypes: ['*'] } });
      expect(res.status, url).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'url' })]);
    }
    const typo = await ctx.api('POST', '/api/v1/webhook-endpoints', {
      body: { url: 'http://127.0.0.1:9/x', eventTypes: ['build.complete'] },
    });
    expect(typo.body.errors).toEqual([expect.objectContaining({ field: 'eventTypes.0' })]);
  });
});
