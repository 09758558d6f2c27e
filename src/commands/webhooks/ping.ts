/** A signed test message to an endpoint. */
import { z } from 'zod';
import { defineCommand } from '../define.ts';
import { deliverJob, findEndpoint, id, messageId } from './shared.ts';

export const pingWebhookEndpoint = defineCommand({
  name: 'pingWebhookEndpoint',
  summary: 'Send a signed test message (type webhook.ping) to an endpoint',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ id }),
  async run({ repos }, { id: endpointId }) {
    const endpoint = await findEndpoint(repos, endpointId);
    const body = JSON.stringify({
      type: 'webhook.ping',
      timestamp: new Date().toISOString(),
      data: { endpoint: endpoint.id, url: endpoint.url },
    });
    const delivery = (await repos.webhooks.insertDelivery({
      messageId: messageId(),
      endpointId,
      eventId: null,
      eventType: 'webhook.ping',
      body,
    }))!;
    await repos.jobs.enqueue(deliverJob(delivery.id, 1));
    return delivery;
  },
});
