/**
 * Writing a lot's timeline: history events and the outbox events that announce them, in the caller's
 * transaction. Every history event is announced as `lot.event_recorded`; a status change is also
 * announced as `lot.status_changed`. Used by the history, lifecycle, lot and build commands.
 */
import type { NewEvent } from '../domain/events.ts';
import { summarize, type HistoryEvent, type NewHistoryEvent } from '../domain/history.ts';
import type { Actor } from '../domain/roles.ts';
import { reservedError } from '../domain/stock.ts';
import type { Lot, StockStatus } from '../domain/types.ts';
import type { Repositories } from './ports.ts';

export const lotStream = (lot: Pick<Lot, 'code'>) => `lot:${lot.code}`;

/** What subscribers (webhooks, Slack) learn about the lot an event is about. */
const lotFacts = (lot: Lot) => ({
  lot: lot.code,
  part: lot.partCode,
  build: lot.buildCode,
  serial: lot.serial,
  serialLabel: lot.serialLabel,
});

/** The `lot.event_recorded` outbox event for a stored history event. */
export function eventRecorded(lot: Lot, event: HistoryEvent): NewEvent {
  const d = event.data;
  return {
    type: 'lot.event_recorded',
    stream: lotStream(lot),
    data: {
      ...lotFacts(lot),
      event: event.id,
      kind: event.kind,
      summary: summarize(event.kind, d),
      actor: event.actor,
      occurredAt: event.occurredAt.toISOString(),
      corrects: event.corrects,
      // Test results at the top level too: what a Slack notification or a dashboard needs.
      ...(event.kind === 'test_result'
        ? {
            test: d.test,
            passed: d.passed,
            station: d.station,
            required: d.required,
            quarantined: d.quarantined,
          }
        : {}),
      data: d,
    },
  };
}

/** Appends history events (one per item, in order) and announces each; returns them as stored. */
export async function recordEvents(
  repos: Repositories,
  actor: Actor,
  items: { lot: Lot; event: NewHistoryEvent; also?: (stored: HistoryEvent) => NewEvent[] }[],
): Promise<HistoryEvent[]> {
  const stored = await repos.history.append(
    actor.name,
    items.map(({ lot, event }) => ({
      lotId: lot.id,
      kind: event.kind,
      data: event.data as unknown as Record<string, unknown>,
      corrects: event.corrects ?? null,
      testName: event.kind === 'test_result' ? event.data.test : null,
      passed: event.kind === 'test_result' ? event.data.passed : null,
    })),
  );
  const outbox: NewEvent[] = [];
  items.forEach((item, i) => {
    outbox.push(...(item.also?.(stored[i]!) ?? []), eventRecorded(item.lot, stored[i]!));
  });
  await repos.events.append(outbox);
  return stored;
}

/** The `lot.status_changed` outbox event. */
export function statusChanged(
  lot: Lot,
  to: StockStatus,
  reason: string | null,
  actor: Actor,
  extra: Record<string, unknown> = {},
): NewEvent {
  return {
    type: 'lot.status_changed',
    stream: lotStream(lot),
    data: { ...lotFacts(lot), from: lot.status, to, reason, actor: actor.name, ...extra },
  };
}

/**
 * Moves a lot to another status and records it: the history event given (a `status_changed` one
 * unless the move has its own kind — shipped, returned, disposed), `lot.status_changed` and
 * `lot.event_recorded`. Scrapping or disposing takes the lot out of stock (quantity 0, ledger entry).
 */
export async function recordStatusChange(
  repos: Repositories,
  actor: Actor,
  lot: Lot,
  to: StockStatus,
  event: NewHistoryEvent,
  reason: string | null,
): Promise<{ lot: Lot; event: HistoryEvent }> {
  const writeOff = (to === 'scrapped' || to === 'disposed') && lot.quantity > 0;
  if (writeOff) {
    if (lot.reserved > 0) throw reservedError(lot, lot.quantity);
    await repos.stock.move([
      {
        lotId: lot.id,
        delta: -lot.quantity,
        reason: 'scrap',
        note: to === 'disposed' ? `disposed${reason ? `: ${reason}` : ''}` : reason,
        actor: actor.name,
      },
    ]);
  }
  const updated = await repos.lots.update(lot.id, {
    status: to,
    statusBeforeQuarantine: to === 'quarantined' ? lot.status : null,
  });
  const [stored] = await recordEvents(repos, actor, [
    { lot: updated, event, also: (e) => [statusChanged(lot, to, reason, actor, { event: e.id })] },
  ]);
  return { lot: updated, event: stored! };
}
