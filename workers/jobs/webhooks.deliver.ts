/** webhooks.deliver — one signed delivery attempt; the next one is scheduled as a delayed job. */
import { z } from 'zod';
import { deliverWebhook, settleWebhookDelivery } from '../../src/commands/webhooks.ts';
import { deliver } from '../../src/webhooks/deliver.ts';
import { defineJob, rowId } from '../define.ts';

export default defineJob({
  name: 'webhooks.deliver',
  queue: 'webhooks',
  description: 'One signed delivery attempt of an event to a webhook endpoint; schedules the next on failure',
  data: z.object({ deliveryId: rowId, attempt: rowId, manual: z.boolean().default(false) }),
  process: async (data, { app }) =>
    deliverWebhook(
      { uow: app.uow, batches: app.deliveryBatches },
      data,
      async (request) => {
        const attempt = await deliver(request, {
          allowList: app.config.webhooks.allowList,
          timeoutMs: app.config.webhooks.timeoutMs,
        });
        app.metrics.webhookDeliveries.inc({ outcome: attempt.outcome });
        return attempt;
      },
      app.config.webhooks.retryDelaysMs ? { retryDelaysMs: app.config.webhooks.retryDelaysMs } : {},
    ),
  async settle({ deliveryId }, _reason, { app }) {
    await settleWebhookDelivery({ uow: app.uow }, deliveryId);
  },
});
