import type { Knex } from 'knex';
import type { EventStore } from '../../commands/ports.ts';
import { currentRequestId } from '../../request-context.ts';
import type { EventType, StoredEvent } from '../../domain/events.ts';

interface EventRow {
  id: number;
  type: EventType;
  stream: string;
  sequence: number;
  data: Record<string, unknown>;
  occurred_at: Date;
}

export const toEvent = (r: EventRow): StoredEvent => ({
  id: r.id,
  type: r.type,
  stream: r.stream,
  sequence: r.sequence,
  data: r.data,
  occurredAt: r.occurred_at,
});

/**
 * The event outbox. The sequence within a stream is the next number after the stream's last event;
 * the command holds a lock on the stream's object (the build or lot row), and the unique
 * (stream, sequence) index turns any race into a retried transaction rather than a duplicate.
 */
export function eventStore(db: Knex | Knex.Transaction): EventStore {
  return {
    async append(events) {
      for (const e of events) {
        await db.raw(
          `INSERT INTO events (type, stream, sequence, data, request_id)
           SELECT ?, ?, coalesce(max(sequence), 0) + 1, ?::jsonb, ? FROM events WHERE stream = ?`,
          [e.type, e.stream, JSON.stringify(e.data), currentRequestId() ?? null, e.stream],
        );
      }
    },
    async findByIds(ids) {
      if (ids.length === 0) return [];
      return ((await db('events').whereIn('id', ids).orderBy('id')) as EventRow[]).map(toEvent);
    },
    async markFannedOut(ids) {
      if (ids.length === 0) return;
      await db('events').whereIn('id', ids).whereNull('fanned_out_at').update({ fanned_out_at: db.fn.now() });
    },
    async markFanoutFailed(ids, error) {
      if (ids.length === 0) return;
      await db('events')
        .whereIn('id', ids)
        .whereNull('fanned_out_at')
        .update({ fanout_error: error.slice(0, 2000) });
    },
    async findById(id) {
      const row = (await db('events').where({ id }).first()) as EventRow | undefined;
      return row ? toEvent(row) : null;
    },
  };
}
