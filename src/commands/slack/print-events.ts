/**
 * Slack follow-ups of print events: a print run asked for from Slack has its message updated on
 * every event of the run, and each pause gets one notice — a reply, also shown in the channel,
 * under the run's message, else under its build's message.
 */
import type { StoredEvent } from '../../domain/events.ts';
import { SYSTEM_ACTOR } from '../../domain/roles.ts';
import { jobRequest } from '../jobs.ts';
import type { Repositories } from '../ports.ts';
import { messageJob, slackSubjects } from './shared.ts';

export const PRINT_EVENTS = new Set([
  'labels.paused',
  'labels.resumed',
  'labels.printed',
  'labels.cancelled',
  'labels.failed',
]);

/** Handles one print event; null when it concerns no Slack message. */
export async function handlePrintEvent(event: StoredEvent, repos: Repositories): Promise<number | null> {
  const runId = event.data.run;
  if (!PRINT_EVENTS.has(event.type) || typeof runId !== 'number') return null;
  const message = await repos.slackMessages.findBySubject(slackSubjects.printRun(runId));
  let jobs = 0;
  if (message) {
    await repos.jobs.enqueue(messageJob(message, `event-${event.id}`));
    jobs++;
  }
  if (event.type !== 'labels.paused') return jobs > 0 ? jobs : null;
  const build = typeof event.data.build === 'string' ? event.data.build : null;
  const parent =
    message ?? (build ? await repos.slackMessages.findBySubject(slackSubjects.build(build)) : null);
  if (!parent) return jobs > 0 ? jobs : null;
  // Keyed by the event: a fan-out run twice finds the same row and the same job.
  const notice = await repos.slackMessages.insert({
    subject: slackSubjects.printPaused(runId, event.id),
    kind: 'reply',
    channel: parent.channel,
    buildId: parent.buildId,
    labelRunId: runId,
    parentId: parent.id,
    requestedBy: SYSTEM_ACTOR.name,
  });
  // A notice of the moment: its own job, which gives up after an hour (NOTIFY_NOTICE_RETRY_WINDOW_MS).
  await repos.jobs.enqueue(
    jobRequest('notify.notice', { messageId: notice.id }, `slack-message-${notice.id}-event-${event.id}`),
  );
  return jobs + 1;
}
