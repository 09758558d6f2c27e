/**
 * events.fanout — hands a batch of relayed events to every subscriber (webhook endpoints, Slack).
 * Each subscriber turns them into its own idempotent follow-up work, so running this twice for the
 * same events adds nothing. The outbox relay requests it (src/queue/outbox-relay.ts).
 */
import { z } from 'zod';
import { fanOutEvents, settleFanout } from '../../src/commands/subscribers.ts';
import { defineJob, rowId } from '../define.ts';

export default defineJob({
  name: 'events.fanout',
  queue: 'webhooks',
  description:
    "Hand a batch of relayed events (one request's, up to 500) to their subscribers (webhook endpoints, Slack)",
  // Up to 500 events per job (the relay's batch). Jobs queued before batching carry one eventId.
  data: z.preprocess(
    (d) =>
      d && typeof d === 'object' && 'eventId' in d && !('eventIds' in d)
        ? { eventIds: [(d as { eventId: unknown }).eventId] }
        : d,
    z.object({ eventIds: z.array(rowId).min(1).max(1_000) }),
  ),
  async process({ eventIds }, { app, log }) {
    const results = await fanOutEvents({ uow: app.uow }, eventIds, { publicUrl: app.config.publicUrl });
    log.debug({ events: eventIds.length, results }, 'events fanned out');
    return results;
  },
  async settle({ eventIds }, reason, { app }) {
    await settleFanout({ uow: app.uow }, eventIds, reason);
  },
});
