/**
 * Shared by the notify.* processors (not a processor itself): the Slack delivery dependencies of a
 * worker process, and how a delivery's outcome ends the job — done, put back for a while without
 * using up an attempt (a 429's Retry-After, a message another job is busy with), retried with
 * backoff (5xx, network), or failed for good (Slack refused).
 */
import { UnrecoverableError } from 'bullmq';
import type { AppContext } from '../src/context.ts';
import type { Logger } from '../src/logger.ts';
import type { DeliveryDeps, DeliveryOutcome } from '../src/slack/deliver.ts';
import { slackWebClient } from '../src/slack/web-client.ts';
import type { JobHandle } from './define.ts';

export function deliveryDeps(app: AppContext, log: Logger): DeliveryDeps {
  if (!app.config.slack.botToken)
    throw new UnrecoverableError('SLACK_BOT_TOKEN is not set: cannot post to Slack');
  return {
    uow: app.uow,
    services: app.services,
    client: slackWebClient(app.config, log),
    files: app.files,
    publicUrl: app.config.publicUrl,
    log,
  };
}

/** Who holds a message's lease: this job, in this attempt. */
export const leaseOwner = (job: JobHandle) => `${job.id}#${job.attemptsMade}`;

export async function settle(job: JobHandle, log: Logger, outcome: DeliveryOutcome): Promise<string> {
  if (outcome.status === 'done') return outcome.detail;
  if (outcome.status === 'failed') throw new UnrecoverableError(outcome.error);
  if (outcome.afterMs !== undefined) {
    log.info({ afterMs: outcome.afterMs, reason: outcome.error }, 'Slack delivery put back');
    return job.delay(outcome.afterMs);
  }
  throw new Error(outcome.error);
}
