/** An endpoint's delivery log, and one delivery with every attempt. */
import { z } from 'zod';
import { defineCommand } from '../define.ts';
import { pageQuery } from '../validation.ts';
import { findDelivery, findEndpoint, id } from './shared.ts';

export const listWebhookDeliveries = defineCommand({
  name: 'listWebhookDeliveries',
  summary: 'The delivery log of an endpoint, oldest first',
  role: 'admin',
  mode: 'read',
  input: pageQuery.extend({
    id,
    status: z.enum(['pending', 'retrying', 'succeeded', 'failed', 'cancelled']).optional(),
  }),
  async run({ repos }, { id: endpointId, status, limit, cursor }) {
    await findEndpoint(repos, endpointId);
    return repos.webhooks.listDeliveries(endpointId, { status }, { limit, cursor });
  },
});

export const getWebhookDelivery = defineCommand({
  name: 'getWebhookDelivery',
  summary: 'A delivery with every attempt (status, duration, response excerpt, error)',
  role: 'admin',
  mode: 'read',
  input: z.strictObject({ id }),
  async run({ repos }, { id: deliveryId }) {
    const delivery = await findDelivery(repos, deliveryId);
    return { ...delivery, attemptLog: await repos.webhooks.attempts(deliveryId) };
  },
});
