/**
 * What a webhook consumer sees (issue #15, items 10–13), against real receivers on loopback that
 * verify every request with `standardwebhooks`: who hears that an endpoint was disabled and what it
 * says, host names written with a trailing dot, the events of a partial completion, actors and
 * absolute links in payloads, the answer of a redelivery, and the signatures after rotations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { quiesce, settledBuild, startBackground, waitFor, type Background } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import {
  startWebhookReceiver,
  type ReceivedRequest,
  type WebhookReceiver,
} from '../helpers/webhook-receiver.ts';

let ctx: TestContext;
let bg: Background;
let f: ReturnType<typeof factories>;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  ctx = await createTestContext({
    env: {
      WEBHOOK_ALLOW_LIST: '127.0.0.1,localhost,nowhere.invalid',
      WEBHOOK_RETRY_DELAYS_MS: '150,150,150,150,150,150,150',
      WEBHOOK_TIMEOUT_MS: '1000',
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

type Payload = { type: string; timestamp: string; data: Record<string, unknown> };
const typeOf = (r: ReceivedRequest) => (r.payload as Payload | undefined)?.type;
const payloadsOf = (receiver: WebhookReceiver, type: string) =>
  receiver.requests.filter((r) => typeOf(r) === type).map((r) => r.payload as Payload);

/** A receiver and an endpoint pointing at it (at `path`, through `host`), subscribed to `eventTypes`. */
async function subscribe(eventTypes: string[], options: { path?: string; host?: string } = {}) {
  const secrets: string[] = [];
  const receiver = await startWebhookReceiver({ secrets });
  receivers.push(receiver);
  const url = `http://${options.host ?? '127.0.0.1'}:${receiver.port}${options.path ?? '/hooks'}`;
  const res = await ctx.api('POST', '/api/v1/webhook-endpoints', { body: { url, eventTypes } });
  expect(res.status, res.text).toBe(201);
  secrets.push(res.body.secret as string);
  return { receiver, secrets, endpoint: res.body.id as number };
}

async function ping(endpoint: number) {
  const res = await ctx.api('POST', `/api/v1/webhook-endpoints/${endpoint}/test`, { body: {} });
  expect(res.status, res.text).toBe(202);
  return res.body.id as number;
}

async function deliveryDone(id: number, attempts = 1) {
  return waitFor(async () => {
    const res = await ctx.api('GET', `/api/v1/webhook-deliveries/${id}`);
    return ['succeeded', 'failed', 'cancelled'].includes(res.body.status as string) &&
      (res.body.attemptLog as unknown[]).length >= attempts
      ? res.body
      : undefined;
  }, `delivery ${id}`);
}

describe('webhook_endpoint.disabled (item 10)', () => {
  it('goes only to endpoints that subscribed to it by name, and never carries the URL’s path or query', async () => {
    const everything = await subscribe(['*']);
    const byName = await subscribe(['webhook_endpoint.disabled']);
    const byPrefix = await subscribe(['webhook_endpoint.*']);
    const leaky = await subscribe(['recall.ready'], { path: '/hooks/tok_SECRET123?key=SECRET456' });
    leaky.receiver.script({ kind: 'status', status: 410 });
    expect((await deliveryDone(await ping(leaky.endpoint))).status).toBe('failed');
    await waitFor(
      async () => payloadsOf(byName.receiver, 'webhook_endpoint.disabled').length === 1,
      'the disabled event',
    );
    await quiesce(ctx);

    expect(payloadsOf(everything.receiver, 'webhook_endpoint.disabled')).toEqual([]);
    for (const { receiver } of [byName, byPrefix]) {
      const received = receiver.requests.filter((r) => typeOf(r) === 'webhook_endpoint.disabled');
      expect(received).toHaveLength(1);
      expect(received[0]!.verifiedWith).toEqual([0]);
      expect(received[0]!.body).not.toMatch(/SECRET|tok_|key=/);
      expect((received[0]!.payload as Payload).data).toMatchObject({
        endpoint: leaky.endpoint,
        origin: `http://127.0.0.1:${leaky.receiver.port}`,
        reason: expect.stringMatching(/410/),
      });
      expect((received[0]!.payload as Payload).data).not.toHaveProperty('url');
    }
    // Nor is the URL kept in the event itself.
    const [event] = await ctx
      .db('events')
      .where({ type: 'webhook_endpoint.disabled', stream: `webhook_endpoint:${leaky.endpoint}` });
    expect(JSON.stringify(event.data)).not.toMatch(/SECRET/);
  });
});

describe('webhook_endpoint.disabled written before the fix (item 10)', () => {
  it('loses its URL and stops going to endpoints that did not name it, by the migration', async () => {
    const everything = await subscribe(['*']);
    const byName = await subscribe(['webhook_endpoint.disabled']);
    const url = 'http://Hooks.Example.com:8443/in/tok_OLD?key=OLDSECRET';
    const [event] = await ctx
      .db('events')
      .insert({
        type: 'webhook_endpoint.disabled',
        stream: 'webhook_endpoint:999',
        sequence: 1,
        data: { endpoint: 999, url, reason: 'the endpoint answered 410 Gone' },
        relayed_at: ctx.db.fn.now(),
        fanned_out_at: ctx.db.fn.now(),
      })
      .returning('id');
    const body = JSON.stringify({
      type: 'webhook_endpoint.disabled',
      timestamp: new Date().toISOString(),
      data: { endpoint: 999, url, reason: 'the endpoint answered 410 Gone', stream: 'x', sequence: 1 },
    });
    const old = (endpointId: number, status: string) => ({
      message_id: `msg_old_${endpointId}_${status}`,
      endpoint_id: endpointId,
      event_id: status === 'retrying' ? event.id : null,
      event_type: 'webhook_endpoint.disabled',
      body,
      status,
      attempts: 1,
      next_attempt_at: ctx.db.raw("now() + interval '1 hour'"),
    });
    await ctx
      .db('webhook_deliveries')
      .insert([old(everything.endpoint, 'retrying'), old(byName.endpoint, 'retrying')]);

    const { up } = await import('../../migrations/20261207040000_redact_webhook_endpoint_disabled_urls.ts');
    for (let run = 0; run < 2; run++) await up(ctx.db);

    const [stored] = await ctx.db('events').where({ id: event.id });
    expect(stored.data).toEqual({
      endpoint: 999,
      origin: 'http://hooks.example.com:8443',
      reason: 'the endpoint answered 410 Gone',
    });
    const rows = await ctx
      .db('webhook_deliveries')
      .whereIn('message_id', [
        `msg_old_${everything.endpoint}_retrying`,
        `msg_old_${byName.endpoint}_retrying`,
      ])
      .orderBy('endpoint_id');
    expect(rows.map((r: { status: string }) => r.status)).toEqual(['cancelled', 'retrying']);
    for (const row of rows as { body: string }[]) {
      expect(row.body).not.toMatch(/OLD|tok_/);
      expect(JSON.parse(row.body).data).toMatchObject({
        endpoint: 999,
        origin: 'http://hooks.example.com:8443',
      });
    }
  });
});

describe('host names (item 11)', () => {
  it('delivers to an allow-listed name written with a trailing dot, as it was checked when saved', async () => {
    const { receiver, endpoint } = await subscribe(['recall.ready'], { host: 'localhost.' });
    const delivery = await deliveryDone(await ping(endpoint));
    expect(delivery.status, JSON.stringify(delivery.attemptLog)).toBe('succeeded');
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.verifiedWith).toEqual([0]);
  });

  it('refuses an allow-listed name that does not resolve when it is saved, rather than failing every delivery', async () => {
    for (const url of ['http://nowhere.invalid/hooks', 'http://nowhere.invalid./hooks']) {
      const res = await ctx.api('POST', '/api/v1/webhook-endpoints', {
        body: { url, eventTypes: ['recall.ready'] },
      });
      expect(res.status, url).toBe(400);
      expect(res.body.errors).toEqual([
        expect.objectContaining({ field: 'url', message: expect.stringMatching(/nowhere\.invalid/) }),
      ]);
    }
    expect(await ctx.db('webhook_endpoints').where('url', 'like', '%nowhere%')).toEqual([]);
  });
});

describe('events a consumer needs (item 12)', () => {
  it('announces a partial completion with its serials and actor, and build.completed with its actor', async () => {
    const { receiver } = await subscribe(['build.*']);
    const part = await f.part();
    await f.lot({ part: part.code, quantity: 10 });
    const project = await f.project({ lines: [{ part: part.code, quantity: 1 }] });
    const created = await ctx.api('POST', '/api/v1/builds', {
      body: { project: project.code, quantity: 3, trackUnits: true, stages: ['Assembly'] },
    });
    expect(created.status, created.text).toBe(201);
    const code = (created.body.build as { code: string }).code;
    await settledBuild(ctx, code, (b) => (b.progress as { generated: number }).generated === 3);
    expect((await ctx.api('POST', `/api/v1/builds/${code}/advance`, { body: {} })).status).toBe(202);
    await settledBuild(ctx, code);
    const partial = await ctx.api('POST', `/api/v1/builds/${code}/complete`, {
      body: { serials: '1-2' },
      role: 'operator',
    });
    expect(partial.status, partial.text).toBe(202);
    await settledBuild(ctx, code);
    expect((await ctx.api('POST', `/api/v1/builds/${code}/complete`, { body: {} })).status).toBe(202);
    await settledBuild(ctx, code, (b) => b.status === 'completed');
    await quiesce(ctx);

    const units = payloadsOf(receiver, 'build.units_completed');
    expect(units).toHaveLength(1);
    expect(units[0]!.data).toMatchObject({
      build: code,
      serials: '1-2',
      count: 2,
      completed: 2,
      scrapped: 0,
      quantity: 3,
      actor: 'token:test-operator',
    });
    const completed = payloadsOf(receiver, 'build.completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]!.data).toMatchObject({
      build: code,
      completed: 3,
      scrapped: 0,
      actor: 'token:test-admin',
    });
    expect(receiver.requests.map((r) => [typeOf(r), (r.payload as Payload).data.sequence]).slice(-2)).toEqual(
      [
        ['build.units_completed', 4],
        ['build.completed', 5],
      ],
    );
  });

  it('puts absolute links from PUBLIC_URL in labels.ready and recall.ready', async () => {
    const { receiver } = await subscribe(['labels.ready', 'recall.ready']);
    const part = await f.part();
    const lot = await f.lot({ part: part.code, quantity: 5 });
    const labels = await ctx.api('POST', '/api/v1/labels', { body: { lots: [lot.code] } });
    expect(labels.status, labels.text).toBe(202);
    const recall = await ctx.api('POST', '/api/v1/recalls', { body: { lot: lot.code, reason: 'x' } });
    expect(recall.status, recall.text).toBe(202);
    await waitFor(async () => receiver.requests.length === 2, 'labels.ready and recall.ready');
    expect(payloadsOf(receiver, 'labels.ready')[0]!.data.download).toBe(
      `http://buildtrace.test/api/v1/labels/${labels.body.id as number}/pdf`,
    );
    expect(payloadsOf(receiver, 'recall.ready')[0]!.data.report).toBe(
      `http://buildtrace.test/api/v1/recalls/${recall.body.id as number}/report.csv`,
    );
    // The API's own answers keep their paths (relative to the API they came from).
    expect((await ctx.api('GET', `/api/v1/labels/${labels.body.id as number}`)).body.download).toBe(
      `/api/v1/labels/${labels.body.id as number}/pdf`,
    );
  });
});

describe('redelivery and rotation (item 13)', () => {
  it('answers a redelivery with the attempt it queued, and sends it once when asked twice', async () => {
    const { receiver, endpoint } = await subscribe(['recall.ready']);
    const id = await ping(endpoint);
    const before = await deliveryDone(id);
    expect(before).toMatchObject({ status: 'succeeded', attempts: 1, nextAttemptAt: null });
    const asked = Date.now();
    const [first, second] = await Promise.all([
      ctx.api('POST', `/api/v1/webhook-deliveries/${id}/redeliver`, { body: {} }),
      ctx.api('POST', `/api/v1/webhook-deliveries/${id}/redeliver`, { body: {} }),
    ]);
    for (const res of [first, second]) {
      expect(res.status, res.text).toBe(202);
      expect(res.body).toMatchObject({ id, status: 'succeeded', attempts: 1, redelivery: { attempt: 2 } });
      expect(Date.parse(res.body.nextAttemptAt as string)).toBeGreaterThanOrEqual(asked - 1_000);
    }
    // One of them queued the attempt; the other found it due and named it.
    expect(second.body.nextAttemptAt).toBe(first.body.nextAttemptAt);
    const after = await deliveryDone(id, 2);
    await quiesce(ctx);
    expect(receiver.requests).toHaveLength(2);
    expect(after).toMatchObject({ status: 'succeeded', attempts: 2, nextAttemptAt: null });
    expect((after.attemptLog as { manual: boolean }[]).map((a) => a.manual)).toEqual([false, true]);
  });

  it('refuses to redeliver to a disabled endpoint and changes nothing', async () => {
    const { endpoint } = await subscribe(['recall.ready']);
    const id = await ping(endpoint);
    await deliveryDone(id);
    await ctx.api('PATCH', `/api/v1/webhook-endpoints/${endpoint}`, { body: { enabled: false } });
    const res = await ctx.api('POST', `/api/v1/webhook-deliveries/${id}/redeliver`, { body: {} });
    expect(res.status).toBe(409);
    expect((await ctx.api('GET', `/api/v1/webhook-deliveries/${id}`)).body).toMatchObject({
      attempts: 1,
      nextAttemptAt: null,
    });
  });

  it('signs with every secret still in its 24 h overlap: three after a second rotation within a day', async () => {
    const { receiver, secrets, endpoint } = await subscribe(['recall.ready']);
    for (let i = 0; i < 2; i++) {
      const rotated = await ctx.api('POST', `/api/v1/webhook-endpoints/${endpoint}/rotate-secret`, {
        body: {},
      });
      expect(rotated.status, rotated.text).toBe(200);
      secrets.push(rotated.body.secret as string);
    }
    const shown = (await ctx.api('GET', `/api/v1/webhook-endpoints/${endpoint}`)).body.secrets as {
      expiresAt: string | null;
    }[];
    expect(shown.map((s) => s.expiresAt === null)).toEqual([true, false, false]);
    await deliveryDone(await ping(endpoint));
    expect(String(receiver.requests[0]!.headers['webhook-signature']).split(' ')).toHaveLength(3);
    expect(receiver.requests[0]!.verifiedWith).toEqual([0, 1, 2]);
  });
});
