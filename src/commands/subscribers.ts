/**
 * Event subscribers: what happens after an event is relayed. Each one receives every event and
 * writes its own follow-up work (a delivery per matching webhook endpoint, a Slack notification …)
 * through the repositories, idempotently.
 */
import type { EventSubscriber } from './ports.ts';
import { slackSubscriber } from './slack.ts';
import { webhookSubscriber } from './webhooks.ts';

export type { EventSubscriber };

export const eventSubscribers: EventSubscriber[] = [webhookSubscriber, slackSubscriber];
