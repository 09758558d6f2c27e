/**
 * events.fanout — hands one relayed event to every subscriber (webhook endpoints, Slack). Each
 * subscriber turns the event into its own idempotent follow-up work, so running this twice for the
 * same event adds nothing.
 */
import { UnrecoverableError } from 'bullmq';
import { eventSubscribers } from '../src/commands/subscribers.ts';
import { defineProcessor } from './define.ts';

export default defineProcessor('events.fanout', async ({ eventId }, { app, log }) => {
  const event = await app.uow.read((repos) => repos.events.findById(eventId));
  if (!event) throw new UnrecoverableError(`event ${eventId} does not exist`);
  const results: Record<string, unknown> = {};
  for (const subscriber of eventSubscribers) {
    results[subscriber.name] = await app.uow.transaction((repos) => subscriber.handle(event, repos));
  }
  log.debug({ eventId, type: event.type, results }, 'event fanned out');
  return results;
});
