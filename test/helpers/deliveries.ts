/**
 * Shared checks of the fault tests: a subscribed webhook receiver, "every event exactly once",
 * "exactly the expected units" and "the ledger balanced".
 */
import { expect } from 'vitest';
import { waitFor } from './background.ts';
import type { TestContext } from './context.ts';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.ts';

/** A receiver on 127.0.0.1 (the context must allow-list it) subscribed to `eventTypes`. */
export async function subscribedReceiver(ctx: TestContext, eventTypes: string[]): Promise<WebhookReceiver> {
  const secrets: string[] = [];
  const receiver = await startWebhookReceiver({ secrets });
  const endpoint = await ctx.api('POST', '/api/v1/webhook-endpoints', {
    body: { url: receiver.url, eventTypes },
  });
  expect(endpoint.status, endpoint.text).toBe(201);
  secrets.push(endpoint.body.secret as string);
  return receiver;
}

/** Waits until every expected event reached the receiver, then checks none arrived twice or unsigned. */
export async function expectEachEventDeliveredOnce(
  receiver: WebhookReceiver,
  expected: { stream: string; sequence: number }[],
): Promise<void> {
  await waitFor(
    async () => new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size >= expected.length,
    'every event delivered',
    60_000,
  );
  await new Promise((r) => setTimeout(r, 500)); // a duplicate would have arrived by now
  const keys = receiver.requests.map((r) => {
    const payload = r.payload as { data: { stream: string; sequence: number } };
    return `${payload.data.stream}#${payload.data.sequence}`;
  });
  expect(new Set(keys).size).toBe(keys.length);
  expect(keys.sort()).toEqual(expected.map((e) => `${e.stream}#${e.sequence}`).sort());
  expect(receiver.requests.every((r) => r.verifiedWith.length === 1)).toBe(true);
}

/**
 * Waits until every event on streams like `streams` so far has a succeeded delivery. Before killing
 * a worker: a delivery caught after the receiver got it but before it was recorded would be sent
 * again, which is how at-least-once delivery behaves, not what these tests are about.
 */
export async function deliveriesSettled(ctx: TestContext, streams = 'build:%'): Promise<void> {
  await waitFor(
    async () => {
      const row = (
        await ctx.db.raw<{ rows: { events: number; succeeded: number }[] }>(
          `SELECT (SELECT count(*) FROM events WHERE stream LIKE :streams)::int AS events,
                  (SELECT count(*) FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
                    WHERE e.stream LIKE :streams AND d.status = 'succeeded')::int AS succeeded`,
          { streams },
        )
      ).rows[0]!;
      return row.events > 0 && row.succeeded === row.events;
    },
    'the deliveries so far to succeed',
    30_000,
  );
}

/**
 * The build made exactly its quantity: a tracked build one single-unit lot per serial 1..N (and N
 * distinct formatted serials when the project has a format), an untracked one lots summing to N.
 */
export async function expectBuildUnits(ctx: TestContext, code: string): Promise<void> {
  const build = (await ctx.db('builds').where({ code }).first()) as {
    id: number;
    quantity: number;
    track_units: boolean;
    serial_format: string | null;
  };
  const stats = (
    await ctx.db.raw<{
      rows: {
        n: number;
        total: number;
        singles: number;
        serials: number;
        min: number;
        max: number;
        labels: number;
      }[];
    }>(
      `SELECT count(*)::int AS n, coalesce(sum(quantity), 0)::int AS total, count(*) FILTER (WHERE quantity = 1)::int AS singles,
              count(DISTINCT serial)::int AS serials, min(serial) AS min, max(serial) AS max,
              count(DISTINCT serial_label)::int AS labels
         FROM lots WHERE build_id = ?`,
      [build.id],
    )
  ).rows[0]!;
  const n = build.quantity;
  if (build.track_units)
    expect(stats, `units of build ${code}`).toEqual({
      n,
      total: n,
      singles: n,
      serials: n,
      min: 1,
      max: n,
      labels: build.serial_format ? n : 0,
    });
  else expect(stats.total, `stock made by build ${code}`).toBe(n);
}

/** A tracked build that ran once from start to end recorded each of its events once, in order. */
export async function expectBuildEventsOnce(ctx: TestContext, code: string): Promise<void> {
  const types = await ctx
    .db('events')
    .where({ stream: `build:${code}` })
    .orderBy('sequence')
    .pluck('type');
  expect(types, `events of build ${code}`).toEqual(['build.started', 'lots.generated', 'build.completed']);
}
