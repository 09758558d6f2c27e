/** Shared checks of the fault tests: a subscribed webhook receiver, and "every event exactly once". */
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

/** Every lot's quantity equals the sum of its ledger entries. */
export async function expectLedgerBalanced(ctx: TestContext): Promise<void> {
  const unbalanced = await ctx.db.raw<{ rows: unknown[] }>(
    'SELECT l.id FROM lots l LEFT JOIN stock_ledger s ON s.lot_id = l.id GROUP BY l.id HAVING l.quantity <> coalesce(sum(s.delta), 0)',
  );
  expect(unbalanced.rows).toEqual([]);
}
