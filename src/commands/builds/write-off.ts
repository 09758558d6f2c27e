/**
 * Units a build writes off (scrapped by serial, or cancelled with their build): each leaves stock
 * (one unit, with the ledger reason) and gets a `status_changed` history event with the reason and
 * `lot.status_changed`. One way for both, so the two stay alike.
 */
import type { Build } from '../../domain/builds.ts';
import type { Actor } from '../../domain/roles.ts';
import type { LedgerReason, StockStatus } from '../../domain/types.ts';
import type { Repositories, WrittenOffUnit } from '../ports.ts';
import { recordEvents, statusChanged } from '../timeline.ts';

const CHUNK = 1_000;

/** Writes the history of units just written off (`status_changed` with the reason), in chunks. */
async function recordWriteOff(
  repos: Repositories,
  actor: Actor,
  build: Pick<Build, 'id' | 'code'>,
  gone: WrittenOffUnit[],
  to: StockStatus,
  reason: string,
  extra: Record<string, unknown> = {},
): Promise<Map<number, number>> {
  const eventIds = new Map<number, number>();
  for (let i = 0; i < gone.length; i += CHUNK) {
    const chunk = gone.slice(i, i + CHUNK);
    const from = new Map(chunk.map((g) => [g.serial, g.from]));
    const lots = await repos.units.findBySerials(
      build.id,
      chunk.map((g) => g.serial),
    );
    const stored = await recordEvents(
      repos,
      actor,
      lots.map((lot) => ({
        lot,
        event: {
          kind: 'status_changed' as const,
          data: { from: from.get(lot.serial!)!, to, reason, ...extra },
        },
        also: (e) => [
          statusChanged({ ...lot, status: from.get(lot.serial!)! }, to, reason, actor, {
            event: e.id,
            ...extra,
          }),
        ],
      })),
    );
    lots.forEach((lot, j) => eventIds.set(lot.serial!, stored[j]!.id));
  }
  return eventIds;
}

/**
 * Takes units just written off out of stock and records their history; answers each unit's history
 * event by serial.
 */
export async function removeWrittenOff(
  repos: Repositories,
  actor: Actor,
  build: Pick<Build, 'id' | 'code'>,
  gone: WrittenOffUnit[],
  how: {
    to: StockStatus;
    ledger: LedgerReason;
    /** The ledger note. */
    note: string;
    /** The history events' reason. */
    reason: string;
    extra?: Record<string, unknown>;
  },
): Promise<Map<number, number>> {
  await repos.stock.move(
    gone.map((u) => ({
      lotId: u.lotId,
      delta: -1,
      reason: how.ledger,
      note: how.note,
      actor: actor.name,
      buildId: build.id,
    })),
  );
  return recordWriteOff(repos, actor, build, gone, how.to, how.reason, how.extra);
}
