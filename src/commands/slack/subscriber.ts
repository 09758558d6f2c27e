/** Slack follow-ups of relayed events: build messages, thread replies, alerts and label uploads. */
import type { StoredEvent } from '../../domain/events.ts';
import { SYSTEM_ACTOR } from '../../domain/roles.ts';
import { jobRequest } from '../jobs.ts';
import type { EventSubscriber, Repositories } from '../ports.ts';
import { handlePrintEvent } from './print-events.ts';
import { messageJob, slackSubjects } from './shared.ts';

const BUILD_EVENTS = new Set([
  'build.operation_failed',
  'build.started',
  'build.stage_completed',
  'lots.generated',
  'build.units_completed',
  'build.completed',
  'build.cancelled',
]);

/**
 * Whether a `lot.event_recorded` event is a failed required test that quarantined a unit (the
 * history commands put `kind`, `quarantined` and the unit's `build` at the top level of its data).
 */
function quarantineOf(data: Record<string, unknown>): { build: string; lot: string; event: number } | null {
  const { kind, quarantined, build, lot, event } = data;
  return kind === 'test_result' &&
    quarantined === true &&
    typeof build === 'string' &&
    typeof lot === 'string' &&
    typeof event === 'number'
    ? { build, lot, event }
    : null;
}

/**
 * Slack follow-ups of relayed events: a build requested from Slack gets its message updated on
 * every change, and a thread reply when it completes or is cancelled, or when a failed required
 * test quarantines one of its units; a label run requested from Slack has its PDF uploaded when
 * `labels.ready`; a print run requested from Slack has its message updated, and a notice for each
 * pause (print-events.ts). Builds and label runs from elsewhere are left alone.
 */
async function handleSlackEvent(event: StoredEvent, repos: Repositories): Promise<number | null> {
  const build = typeof event.data.build === 'string' ? event.data.build : null;
  if (BUILD_EVENTS.has(event.type) && build) {
    const message = await repos.slackMessages.findBySubject(slackSubjects.build(build));
    if (!message) return null;
    const jobs = [messageJob(message, `event-${event.id}`)];
    // A reply in the build's thread: why a worker gave up (the person who asked hears it), or how it ended.
    const replySubject =
      event.type === 'build.operation_failed' && typeof event.data.operationId === 'number'
        ? slackSubjects.operationFailed(build, event.data.operationId)
        : event.type === 'build.completed' || event.type === 'build.cancelled'
          ? slackSubjects.buildOutcome(build, event.type === 'build.completed' ? 'completed' : 'cancelled')
          : null;
    if (replySubject) {
      const reply = await repos.slackMessages.insert({
        subject: replySubject,
        kind: 'reply',
        channel: message.channel,
        buildId: message.buildId,
        parentId: message.id,
        requestedBy: SYSTEM_ACTOR.name,
      });
      jobs.push(messageJob(reply, `event-${event.id}`));
    }
    for (const job of jobs) await repos.jobs.enqueue(job);
    return jobs.length;
  }
  const quarantine = event.type === 'lot.event_recorded' ? quarantineOf(event.data) : null;
  if (quarantine) {
    const message = await repos.slackMessages.findBySubject(slackSubjects.build(quarantine.build));
    if (!message) return null;
    // Keyed by the failed test's history event: a fan-out run twice finds the same row and job.
    const notice = await repos.slackMessages.insert({
      subject: slackSubjects.quarantined(quarantine.build, quarantine.lot, quarantine.event),
      kind: 'reply',
      channel: message.channel,
      buildId: message.buildId,
      parentId: message.id,
      requestedBy: SYSTEM_ACTOR.name,
    });
    // A notice of the moment: its own job, which gives up after an hour (NOTIFY_NOTICE_RETRY_WINDOW_MS).
    await repos.jobs.enqueue(
      jobRequest('notify.notice', { messageId: notice.id }, `slack-message-${notice.id}-event-${event.id}`),
    );
    return 1;
  }
  if (event.type === 'webhook_endpoint.disabled' && typeof event.data.endpoint === 'number') {
    // Every Slack admin is told, in a direct message: deliveries stop until someone re-enables it.
    let sent = 0;
    for (const admin of await repos.slackUsers.admins()) {
      const message = await repos.slackMessages.insert({
        subject: slackSubjects.webhookDisabled(event.data.endpoint, event.id, admin.userId),
        kind: 'alert',
        channel: admin.userId,
        requestedBy: SYSTEM_ACTOR.name,
      });
      await repos.jobs.enqueue(messageJob(message, `event-${event.id}`));
      sent++;
    }
    return sent;
  }
  const printed = await handlePrintEvent(event, repos);
  if (printed !== null) return printed;
  if (event.type === 'labels.ready' && typeof event.data.run === 'number') {
    const message = await repos.slackMessages.findBySubject(slackSubjects.labels(event.data.run));
    if (!message) return null;
    await repos.jobs.enqueue(
      jobRequest('notify.upload', { messageId: message.id }, `slack-upload-${message.id}`),
    );
    return 1;
  }
  return null;
}

export const slackSubscriber: EventSubscriber = {
  name: 'slack',
  // A relayed batch in one transaction: most events concern no Slack message, and one transaction
  // per event cost the fan-out a BEGIN/COMMIT round trip each. Every step is idempotent per event,
  // so a batch that fails and runs again adds nothing twice.
  async handle(events, repos) {
    let handled = 0;
    for (const event of events) if ((await handleSlackEvent(event, repos)) !== null) handled++;
    return { handled };
  },
};
