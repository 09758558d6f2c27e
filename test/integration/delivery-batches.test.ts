/**
 * The delivery hot path's shared round trips (src/db/delivery-batches.ts) against real PostgreSQL:
 * loads and plain attempt records made at once become one statement each, a missing delivery
 * loads as null, and an attempt recorded once is never recorded again — in separate batches, in
 * the same batch, or when a job runs twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptWrite } from '../../src/commands/ports.ts';
import { deliverWebhook, type WebhookSendResult } from '../../src/commands/webhooks.ts';
import { deliveryBatches } from '../../src/db/delivery-batches.ts';
import { generateWebhookSecret } from '../../src/domain/webhooks.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';

let ctx: TestContext;
let endpointId: number;

beforeAll(async () => {
  ctx = await createTestContext();
  const [row] = (await ctx
    .db('webhook_endpoints')
    .insert({
      url: 'http://127.0.0.1:9/hook',
      event_types: ['*'],
      secrets: JSON.stringify([{ secret: generateWebhookSecret(), expiresAt: null }]),
      created_by: 'test',
    })
    .returning('id')) as { id: string | number }[];
  endpointId = Number(row!.id);
});
afterAll(async () => {
  await ctx?.close();
});

let serial = 0;
async function newDeliveries(n: number): Promise<number[]> {
  const rows = (await ctx
    .db('webhook_deliveries')
    .insert(
      Array.from({ length: n }, () => ({
        message_id: `msg_batch_${++serial}`,
        endpoint_id: endpointId,
        event_type: 'ping',
        body: '{"type":"ping","data":{}}',
      })),
    )
    .returning('id')) as { id: string | number }[];
  return rows.map((r) => Number(r.id));
}

function success(deliveryId: number, number = 1): AttemptWrite {
  return {
    deliveryId,
    attempt: {
      number,
      manual: false,
      startedAt: new Date(),
      durationMs: 3,
      statusCode: 204,
      responseExcerpt: null,
      error: null,
      outcome: 'success',
    },
    state: { status: 'succeeded', lastStatusCode: 204, nextAttemptAt: null },
  };
}

/** Counts the statements knex sends while `work` runs. */
async function counting<T>(work: () => Promise<T>): Promise<{ result: T; statements: number }> {
  let statements = 0;
  const listener = () => statements++;
  ctx.db.on('query', listener);
  try {
    return { result: await work(), statements };
  } finally {
    ctx.db.off('query', listener);
  }
}

const attemptsOf = async (ids: number[]) =>
  (await ctx.db('webhook_attempts').whereIn('delivery_id', ids).orderBy(['delivery_id', 'number'])) as {
    delivery_id: string | number;
    number: number;
  }[];

describe('delivery batches', () => {
  it('loads deliveries requested at once in one query, with their endpoint; a missing one is null', async () => {
    const batches = deliveryBatches(ctx.db);
    const ids = await newDeliveries(30);
    const { result, statements } = await counting(() =>
      Promise.all([...ids, 999_999_999].map((id) => batches.load(id))),
    );
    expect(statements).toBe(1);
    expect(result.at(-1)).toBeNull();
    for (const [i, state] of result.slice(0, -1).entries()) {
      expect(state!.delivery.id).toBe(ids[i]);
      expect(state!.delivery.status).toBe('pending');
      expect(state!.endpoint.id).toBe(endpointId);
      expect(state!.endpoint.url).toBe('http://127.0.0.1:9/hook');
    }
  });

  it('records attempts made at once in one statement, each exactly once', async () => {
    const batches = deliveryBatches(ctx.db);
    const ids = await newDeliveries(25);
    const first = await counting(() => Promise.all(ids.map((id) => batches.record(success(id)))));
    expect(first.statements).toBe(1);
    expect(first.result.every(Boolean)).toBe(true);
    const rows = (await ctx.db('webhook_deliveries').whereIn('id', ids)) as {
      status: string;
      attempts: number;
      last_status_code: number;
    }[];
    expect(
      rows.every((r) => r.status === 'succeeded' && r.attempts === 1 && r.last_status_code === 204),
    ).toBe(true);
    // Recording the same attempts again (a job that ran twice) changes nothing.
    const again = await Promise.all(ids.map((id) => batches.record(success(id))));
    expect(again.some(Boolean)).toBe(false);
    expect(await attemptsOf(ids)).toHaveLength(25);
  });

  it('records the same attempt twice in one batch only once', async () => {
    const batches = deliveryBatches(ctx.db);
    const [id] = await newDeliveries(1);
    const results = await Promise.all([batches.record(success(id!, 1)), batches.record(success(id!, 1))]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await attemptsOf([id!])).toHaveLength(1);
  });

  it('a row the database refuses fails only its own record, not the rest of its batch', async () => {
    const batches = deliveryBatches(ctx.db);
    const ids = await newDeliveries(5);
    const bad = success(ids[2]!);
    // PostgreSQL text cannot hold NUL (the sender replaces it; this write skips the sender).
    bad.attempt.responseExcerpt = 'ok\u0000';
    const results = await Promise.allSettled(
      ids.map((id) => batches.record(id === ids[2] ? bad : success(id))),
    );
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect((await attemptsOf(ids)).map((a) => Number(a.delivery_id))).toEqual(
      ids.filter((id) => id !== ids[2]),
    );
  });

  it('a deliver job run twice at once sends twice (same webhook-id) but records one attempt', async () => {
    const batches = deliveryBatches(ctx.db);
    const [id] = await newDeliveries(1);
    const sent: string[] = [];
    const send = async (request: { id: string }): Promise<WebhookSendResult> => {
      sent.push(request.id);
      return { ok: true, status: 204, durationMs: 1, responseExcerpt: null, error: null, outcome: 'success' };
    };
    const job = { deliveryId: id!, attempt: 1, manual: false };
    const results = await Promise.all([
      deliverWebhook({ uow: ctx.uow, batches }, job, send),
      deliverWebhook({ uow: ctx.uow, batches }, job, send),
    ]);
    expect(sent).toHaveLength(2);
    expect(new Set(sent).size).toBe(1);
    expect(results.filter((r) => r.status === 'succeeded')).toHaveLength(1);
    expect(await attemptsOf([id!])).toHaveLength(1);
    // A third run sees the recorded attempt and does not send.
    expect(await deliverWebhook({ uow: ctx.uow, batches }, job, send)).toEqual({
      sent: false,
      status: 'succeeded',
    });
    expect(sent).toHaveLength(2);
  });

  it('a failed attempt with a retry goes through one transaction with its follow-up job', async () => {
    const batches = deliveryBatches(ctx.db);
    const [id] = await newDeliveries(1);
    const send = async (): Promise<WebhookSendResult> => ({
      ok: false,
      status: 500,
      durationMs: 1,
      responseExcerpt: 'boom',
      error: null,
      outcome: 'retry',
    });
    const result = await deliverWebhook(
      { uow: ctx.uow, batches },
      { deliveryId: id!, attempt: 1, manual: false },
      send,
    );
    expect(result).toEqual({ sent: true, status: 'retrying' });
    const outbox = (await ctx.db('job_outbox').where({ name: 'webhooks.deliver' })) as {
      data: { deliveryId: number; attempt: number };
    }[];
    expect(outbox.some((j) => j.data.deliveryId === id && j.data.attempt === 2)).toBe(true);
  });
});
