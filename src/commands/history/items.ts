/** What every history use case shares: the history item it answers with, and the facts rules need. */
import { NotFoundError } from '../../domain/errors.ts';
import { summarize, type HistoryEvent } from '../../domain/history.ts';
import type { Lot } from '../../domain/types.ts';
import type { Attachment, Repositories } from '../ports.ts';

export interface HistoryItem {
  id: number;
  kind: HistoryEvent['kind'];
  /** One human line. */
  summary: string;
  actor: string;
  occurredAt: Date;
  data: Record<string, unknown>;
  /** The event this one corrects (corrections only). */
  corrects: number | null;
  /** Corrections recorded against this event. */
  correctedBy: number[];
  attachments: Attachment[];
}

export async function withAttachments(repos: Repositories, events: HistoryEvent[]): Promise<HistoryItem[]> {
  const attachments = await repos.attachments.forEvents(events.map((e) => e.id));
  return events.map((e) => ({
    id: e.id,
    kind: e.kind,
    summary: summarize(e.kind, e.data),
    actor: e.actor,
    occurredAt: e.occurredAt,
    data: e.data,
    corrects: e.corrects,
    correctedBy: e.correctedBy,
    attachments: attachments.get(e.id) ?? [],
  }));
}

/** The history item of an event just recorded. */
export const recorded = async (repos: Repositories, event: HistoryEvent) =>
  (await withAttachments(repos, [event]))[0]!;

export async function findEventOf(repos: Repositories, lot: Lot, id: number): Promise<HistoryEvent> {
  const event = await repos.history.findById(id);
  if (!event || event.lotId !== lot.id)
    throw new NotFoundError('history event', String(id), `lot ${lot.code} has no history event ${id}`, 'id');
  return event;
}

/** The facts history rules need about a lot. */
export const deviceView = (lot: Lot) => ({
  code: lot.code,
  status: lot.status,
  isDevice: lot.serial !== null,
});
