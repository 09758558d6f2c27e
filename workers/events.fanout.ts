/**
 * events.fanout — hands a batch of relayed events to every subscriber (webhook endpoints, Slack).
 * Each subscriber turns them into its own idempotent follow-up work, so running this twice for the
 * same events adds nothing.
 */
import { fanOutEvents, settleFanout } from '../src/commands/subscribers.ts';
import { defineProcessor } from './define.ts';

export default defineProcessor(
  'events.fanout',
  async ({ eventIds }, { app, log }) => {
    const results = await fanOutEvents({ uow: app.uow }, eventIds, { publicUrl: app.config.publicUrl });
    log.debug({ events: eventIds.length, results }, 'events fanned out');
    return results;
  },
  async ({ eventIds }, reason, { app }) => {
    await settleFanout({ uow: app.uow }, eventIds, reason);
  },
);
