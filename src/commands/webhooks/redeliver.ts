/** Sending a delivery again by hand. */
import { z } from 'zod';
import { ConflictError } from '../../domain/errors.ts';
import { defineCommand } from '../define.ts';
import { deliverJob, findDelivery, findEndpoint, id } from './shared.ts';

/**
 * How long an attempt that has come due (`nextAttemptAt` passed) is taken to be on its way, so a
 * redelivery does not queue it again; longer than any attempt (WEBHOOK_TIMEOUT_MS ≤ 60 s) plus its
 * wait in the queue. Past it, the attempt is taken as lost and a redelivery queues a new one.
 */
const ATTEMPT_DUE_WINDOW_MS = 5 * 60_000;

/**
 * Queues one more attempt now. The answer is the delivery as it stands once the attempt is queued:
 * `nextAttemptAt` is now and `redelivery.attempt` the number the attempt gets in the log; `status`
 * moves when the attempt is recorded. An attempt already due (a redelivery asked for moments ago,
 * or a retry whose time has come) is not queued twice: the answer names it instead.
 */
export const redeliverWebhook = defineCommand({
  name: 'redeliverWebhook',
  summary: 'Send a delivery again now (same webhook-id and body)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ id }),
  async run({ repos, actor }, { id: deliveryId }) {
    const delivery = await findDelivery(repos, deliveryId, true);
    const endpoint = await findEndpoint(repos, delivery.endpointId);
    if (endpoint.status !== 'active')
      throw new ConflictError(`endpoint ${endpoint.id} is disabled; enable it first`);
    const attempt = delivery.attempts + 1;
    const now = Date.now();
    const due = delivery.nextAttemptAt?.getTime();
    // Sending the same attempt twice at once would reach the receiver twice for one log entry.
    if (due !== undefined && due <= now && now - due < ATTEMPT_DUE_WINDOW_MS)
      return { ...delivery, redelivery: { attempt } };
    const job = deliverJob(delivery.id, attempt, true);
    await repos.jobs.enqueue(job);
    // A delivery still owed attempts is carried by this job now: the reconciler looks for it.
    if (delivery.status === 'pending' || delivery.status === 'retrying')
      await repos.work.record({
        subject: `webhook_delivery:${delivery.id}`,
        job: 'webhooks.deliver',
        action: 'redrive',
        cause: 'retry',
        baseJobId: `delivery-${delivery.id}-${delivery.attempts + 1}`,
        jobId: job.jobId,
        detail: `manual redelivery by ${actor.name}`,
        progress: delivery.attempts,
        actor: actor.name,
      });
    const queued = await repos.webhooks.updateDelivery(delivery.id, { nextAttemptAt: new Date(now) });
    return { ...queued, redelivery: { attempt } };
  },
});
