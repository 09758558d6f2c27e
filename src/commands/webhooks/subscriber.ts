/** Relayed events become deliveries: one per active endpoint subscribed to the event's type. */
import { endpointSubscribes } from '../../domain/webhooks.ts';
import type { EventSubscriber } from '../ports.ts';
import { deliverJob, eventBody, messageId } from './shared.ts';

/** Turns every relayed event into a delivery per active endpoint subscribed to its type. */
export const webhookSubscriber: EventSubscriber = {
  name: 'webhooks',
  async handle(events, repos, { publicUrl }) {
    const endpoints = await repos.webhooks.activeEndpoints();
    const rows = events.flatMap((event) =>
      endpoints
        .filter((endpoint) => endpointSubscribes(endpoint.eventTypes, event.type))
        .map((endpoint) => ({
          messageId: messageId(),
          endpointId: endpoint.id,
          eventId: event.id,
          eventType: event.type,
          body: eventBody(event, publicUrl),
        })),
    );
    const ids: number[] = [];
    for (let i = 0; i < rows.length; i += 1_000)
      ids.push(...(await repos.webhooks.insertDeliveries(rows.slice(i, i + 1_000))));
    await repos.jobs.enqueueMany(ids.map((id) => deliverJob(id, 1)));
    return { deliveries: ids.length };
  },
};
