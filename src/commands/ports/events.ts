import type { NewEvent, StoredEvent } from '../../domain/events.ts';

export interface EventStore {
  /** Writes events in the current unit of work; they are relayed after it commits. */
  append(events: NewEvent[]): Promise<void>;
  findById(id: number): Promise<StoredEvent | null>;
  /** The events with these ids, in id order. */
  findByIds(ids: number[]): Promise<StoredEvent[]>;
  /** Every subscriber has taken these events. */
  markFannedOut(ids: number[]): Promise<void>;
  /** Their fan-out was given up (they wait for a person; `buildtrace doctor` lists them). */
  markFanoutFailed(ids: number[], error: string): Promise<void>;
}
