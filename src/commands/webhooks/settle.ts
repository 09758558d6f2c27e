/** Giving up a delivery whose attempts could not even be made (the worker gave up on it). */
import { z } from 'zod';
import { SYSTEM_ACTOR } from '../../domain/roles.ts';
import { defineCommand, execute, type CommandDeps } from '../define.ts';

const settleDeliveryCommand = defineCommand({
  name: 'settleWebhookDelivery',
  summary: 'Give up a delivery whose attempts could not run (workers only)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ deliveryId: z.int().positive() }),
  async run({ repos }, { deliveryId }) {
    const delivery = await repos.webhooks.findDelivery(deliveryId, { lock: true });
    if (!delivery) return delivery;
    // A manual redelivery of a finished delivery that could not be made: no attempt is due any more.
    if (delivery.status !== 'pending' && delivery.status !== 'retrying')
      return delivery.nextAttemptAt === null
        ? delivery
        : repos.webhooks.updateDelivery(deliveryId, { nextAttemptAt: null });
    // A person may redeliver it from the delivery log.
    return repos.webhooks.updateDelivery(deliveryId, { status: 'failed', nextAttemptAt: null });
  },
});

/** Settles a delivery whose attempts could not even be made (the worker gave up on it): failed. */
export async function settleWebhookDelivery(deps: CommandDeps, deliveryId: number): Promise<void> {
  await execute(deps, settleDeliveryCommand, SYSTEM_ACTOR, { deliveryId });
}
