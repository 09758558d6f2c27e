/** webhooks.deliver — one signed delivery attempt; the next one is scheduled as a delayed job. */
import { deliverWebhook, settleWebhookDelivery } from '../src/commands/webhooks.ts';
import { deliver } from '../src/webhooks/deliver.ts';
import { defineProcessor } from './define.ts';

export default defineProcessor(
  'webhooks.deliver',
  async (data, { app }) =>
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
  async ({ deliveryId }, _reason, { app }) => {
    await settleWebhookDelivery({ uow: app.uow }, deliveryId);
  },
);
