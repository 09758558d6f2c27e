/**
 * Event subscribers: what happens after an event is relayed. Each one receives every event and
 * writes its own follow-up work (a delivery per matching webhook endpoint, a Slack notification …)
 * through the repositories, idempotently.
 */
import type { CommandDeps } from './define.ts';
import type { EventSubscriber, FanoutContext } from './ports.ts';
import { slackSubscriber } from './slack.ts';
import { webhookSubscriber } from './webhooks.ts';

export type { EventSubscriber };

export const eventSubscribers: EventSubscriber[] = [webhookSubscriber, slackSubscriber];

/**
 * Hands a batch of relayed events to every subscriber, one transaction per subscriber. Running it
 * twice adds nothing. Workers pass `publicUrl` (PUBLIC_URL) so webhook bodies carry absolute links.
 */
export async function fanOutEvents(
  deps: CommandDeps,
  eventIds: number[],
  context: FanoutContext = {},
  subscribers: readonly EventSubscriber[] = eventSubscribers,
): Promise<Record<string, unknown>> {
  const events = await deps.uow.read((repos) => repos.events.findByIds(eventIds));
  const results: Record<string, unknown> = { events: events.length };
  for (const subscriber of subscribers)
    results[subscriber.name] = await deps.uow.transaction((repos) =>
      subscriber.handle(events, repos, context),
    );
  // Only now are they done: a fan-out stopped before this is found by the reconciler and run again,
  // and every subscriber's work is idempotent per event.
  await deps.uow.transaction((repos) => repos.events.markFannedOut(eventIds));
  return results;
}

/** Gives up fanning these events out (a fan-out that failed for good), for `buildtrace doctor` to list. */
export async function settleFanout(deps: CommandDeps, eventIds: number[], reason: string): Promise<void> {
  await deps.uow.transaction((repos) => repos.events.markFanoutFailed(eventIds, reason));
}
