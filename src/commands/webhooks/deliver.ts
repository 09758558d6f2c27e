/** Delivering: one attempt of one delivery (the `webhooks.deliver` job), and what its result changes. */
import { decideAfterAttempt, endpointOrigin, type DeliveryAttempt } from '../../domain/webhooks.ts';
import type { CommandDeps } from '../define.ts';
import type {
  AttemptWrite,
  DeliveryBatches,
  DeliveryState,
  Repositories,
  WebhookEndpoint,
} from '../ports.ts';
import { activeSecrets, deliverJob } from './shared.ts';

/** What one send amounted to (the sender in src/webhooks/deliver.ts answers it). */
export type WebhookSendResult = DeliveryAttempt;

/** Sends one signed request; implemented in src/webhooks/deliver.ts. */
export type WebhookSender = (request: {
  url: string;
  id: string;
  timestamp: Date;
  body: string;
  secrets: string[];
}) => Promise<WebhookSendResult>;

/** What an attempt's result changes: the attempt record and whatever must change with it. */
interface AttemptPlan {
  write: AttemptWrite;
  /** The next attempt's delay, when there is one. */
  retryInMs: number | null;
  /** The endpoint's new failure clock, when it moves (undefined: it stays as it is). */
  failingSince?: Date | null;
  /** Why the endpoint is disabled, when it is. */
  disableReason: string | null;
}

function planAttempt(
  job: { deliveryId: number; attempt: number; manual: boolean },
  before: DeliveryState,
  startedAt: Date,
  result: WebhookSendResult,
  retryDelaysMs: number[] | undefined,
): AttemptPlan {
  const now = new Date();
  const { delivery, endpoint } = before;
  const decision = decideAfterAttempt({
    outcome: result.outcome,
    attemptNumber: job.attempt,
    failingSince: endpoint.failingSince,
    now,
    ...(retryDelaysMs ? { delays: retryDelaysMs } : {}),
  });
  // A manual redelivery of a finished delivery is one more try, not a new retry schedule.
  const retrying =
    decision.delivery === 'retrying' &&
    !(job.manual && (delivery.status === 'failed' || delivery.status === 'succeeded'));
  const status =
    decision.delivery === 'succeeded'
      ? 'succeeded'
      : retrying
        ? 'retrying'
        : decision.delivery === 'retrying'
          ? delivery.status
          : 'failed';
  const retryInMs = retrying ? decision.retryInMs! : null;
  return {
    write: {
      deliveryId: job.deliveryId,
      attempt: {
        number: job.attempt,
        manual: job.manual,
        startedAt,
        durationMs: result.durationMs,
        statusCode: result.status,
        responseExcerpt: result.responseExcerpt,
        error: result.error,
        outcome: result.outcome,
      },
      state: {
        status,
        lastStatusCode: result.status,
        nextAttemptAt: retryInMs === null ? null : new Date(now.getTime() + retryInMs),
      },
    },
    retryInMs,
    ...((decision.failingSince === null) !== (endpoint.failingSince === null)
      ? { failingSince: decision.failingSince }
      : {}),
    disableReason:
      decision.disableEndpoint === 'gone'
        ? 'the endpoint answered 410 Gone'
        : decision.disableEndpoint === 'failing'
          ? 'the endpoint has been failing for more than 24 hours'
          : null,
  };
}

/** Records an attempt with its follow-ups — next attempt, endpoint health, event — in one transaction. */
async function recordWithFollowUps(repos: Repositories, plan: AttemptPlan, endpoint: WebhookEndpoint) {
  const recorded = await repos.webhooks.recordAttemptsOnce([plan.write]);
  if (!recorded.has(plan.write.deliveryId)) return false;
  if (plan.retryInMs !== null)
    await repos.jobs.enqueue({
      ...deliverJob(plan.write.deliveryId, plan.write.attempt.number + 1),
      delayMs: plan.retryInMs,
    });
  if (plan.failingSince !== undefined) await repos.webhooks.setFailingSince(endpoint.id, plan.failingSince);
  if (plan.disableReason && (await repos.webhooks.disableIfActive(endpoint.id, plan.disableReason))) {
    await repos.events.append([
      {
        type: 'webhook_endpoint.disabled',
        stream: `webhook_endpoint:${endpoint.id}`,
        // Its origin, never its URL: the event reaches other receivers, and URLs carry tokens.
        data: { endpoint: endpoint.id, origin: endpointOrigin(endpoint.url), reason: plan.disableReason },
      },
    ]);
  }
  return true;
}

/**
 * One delivery attempt (the `webhooks.deliver` job). Sends outside any transaction — a slow
 * receiver must not hold database locks — then records the attempt and schedules the next one.
 * An attempt already recorded is not sent again; a worker that dies between sending and recording
 * sends again on retry, with the same webhook-id, so receivers can tell. Given `batches`, the read
 * and a plain record (a success that changes nothing else) share round trips with the attempts
 * running beside it; anything with follow-ups is one transaction of its own.
 */
export async function deliverWebhook(
  deps: CommandDeps & { batches?: DeliveryBatches },
  job: { deliveryId: number; attempt: number; manual: boolean },
  send: WebhookSender,
  options: { retryDelaysMs?: number[] } = {},
): Promise<{ sent: boolean; status?: string }> {
  const state = deps.batches
    ? await deps.batches.load(job.deliveryId)
    : ((await deps.uow.read((repos) => repos.webhooks.deliveriesWithEndpoints([job.deliveryId]))).get(
        job.deliveryId,
      ) ?? null);
  if (!state) return { sent: false, status: 'missing' };
  const { delivery, endpoint } = state;
  if (delivery.attempts >= job.attempt) return { sent: false, status: delivery.status };
  if (
    !job.manual &&
    (delivery.status === 'succeeded' || delivery.status === 'failed' || delivery.status === 'cancelled')
  ) {
    return { sent: false, status: delivery.status };
  }
  if (endpoint.status !== 'active') {
    await deps.uow.transaction((repos) =>
      repos.webhooks.updateDelivery(delivery.id, { status: 'cancelled', nextAttemptAt: null }),
    );
    return { sent: false, status: 'cancelled' };
  }
  const startedAt = new Date();
  const result = await send({
    url: endpoint.url,
    id: delivery.messageId,
    timestamp: startedAt,
    body: delivery.body,
    secrets: activeSecrets(endpoint, startedAt),
  });
  const plan = planAttempt(job, state, startedAt, result, options.retryDelaysMs);
  const plain = plan.retryInMs === null && plan.failingSince === undefined && plan.disableReason === null;
  const recorded =
    plain && deps.batches
      ? await deps.batches.record(plan.write)
      : await deps.uow.transaction((repos) => recordWithFollowUps(repos, plan, endpoint));
  return { sent: true, ...(recorded ? { status: plan.write.state.status } : {}) };
}
