/**
 * Event subscribers: what happens after an event is relayed. Each one receives every event and
 * writes its own follow-up work (a delivery per matching webhook endpoint, a Slack notification …)
 * through the repositories, idempotently.
 */
import type { StoredEvent } from '../domain/events.ts';
import type { Repositories } from './ports.ts';

export interface EventSubscriber {
  name: string;
  handle(event: StoredEvent, repos: Repositories): Promise<unknown>;
}

export const eventSubscribers: EventSubscriber[] = [];
