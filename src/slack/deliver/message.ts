/**
 * `notify.message` (and `notify.notice`): a build's or a print run's message or a thread reply
 * posted once, such a message then only updated; an alert to an admin. An attempt whose outcome is unknown
 * leaves the row marked uncertain; the next one looks in the channel first.
 */
import { createHash } from 'node:crypto';
import { execute } from '../../commands/define.ts';
import { getBuild } from '../../commands/builds.ts';
import { getHistoryEvent } from '../../commands/history.ts';
import { getLot } from '../../commands/lots.ts';
import type { SlackMessage } from '../../commands/ports.ts';
import {
  alertEndpoint,
  getBuildPrinter,
  getPrintPause,
  getPrintRunForSlack,
  leaseSlackMessage,
  printSubject,
  subjectParts,
} from '../../commands/slack.ts';
import { pauseNotice, printRunMessage } from '../presenters/printing.ts';
import { getWebhookEndpoint } from '../../commands/webhooks.ts';
import { DomainError } from '../../domain/errors.ts';
import { SYSTEM_ACTOR } from '../../domain/roles.ts';
import { webhookDisabledAlert } from '../presenters/alerts.ts';
import {
  buildMessage,
  buildOutcomeReply,
  operationFailedReply,
  quarantineReply,
} from '../presenters/build.ts';
import type { SlackText } from '../presenters/format.ts';
import {
  BUSY_RETRY_MS,
  LEASE_MS,
  MESSAGE_METADATA_TYPE,
  classifySlackError,
  release,
  reportRefusal,
  type DeliveryDeps,
  type DeliveryOutcome,
} from './shared.ts';

const hashOf = (content: SlackText) => createHash('sha256').update(JSON.stringify(content)).digest('hex');

/** A build's message or a thread reply, rendered from the build's current state; or an alert. */
async function render(deps: DeliveryDeps, message: SlackMessage): Promise<SlackText> {
  if (message.kind === 'alert') {
    const endpoint = await execute(deps, getWebhookEndpoint, SYSTEM_ACTOR, {
      id: alertEndpoint(message.subject),
    });
    return webhookDisabledAlert(endpoint);
  }
  const print = printSubject(message.subject);
  if (print?.pausedEvent !== undefined)
    return pauseNotice(await execute(deps, getPrintPause, SYSTEM_ACTOR, { event: print.pausedEvent }));
  if (print) {
    const { run, printer } = await execute(deps, getPrintRunForSlack, SYSTEM_ACTOR, { id: print.run });
    return printRunMessage(run, printer);
  }
  const { build, outcome, lot, historyEvent, operationId } = subjectParts(message.subject);
  if (message.kind === 'reply' && lot && historyEvent) {
    const unit = await execute(deps, getLot, SYSTEM_ACTOR, { code: lot });
    const failed = await execute(deps, getHistoryEvent, SYSTEM_ACTOR, { code: lot, id: historyEvent });
    return quarantineReply(unit, failed, deps.publicUrl);
  }
  const view = await execute(deps, getBuild, SYSTEM_ACTOR, { code: build });
  if (message.kind === 'reply' && outcome === 'failed' && operationId !== undefined)
    return operationFailedReply(view, operationId);
  return message.kind === 'reply'
    ? buildOutcomeReply(view, outcome === 'cancelled' ? 'cancelled' : 'completed')
    : buildMessage(view, deps.publicUrl, {
        printer: await execute(deps, getBuildPrinter, SYSTEM_ACTOR, { code: view.code }),
      });
}

/** Looks for a message an earlier, uncertain attempt may have posted. */
async function findPosted(
  deps: DeliveryDeps,
  message: SlackMessage,
  threadTs: string | undefined,
): Promise<string | undefined> {
  const since = (message.uncertainSince ?? message.createdAt).getTime() / 1000 - 60;
  const args = { channel: message.channel, oldest: since.toFixed(6), limit: 200, include_all_metadata: true };
  const found = threadTs
    ? await deps.client.conversations.replies({ ...args, ts: threadTs })
    : await deps.client.conversations.history(args);
  const messages = (found.messages ?? []) as {
    ts?: string;
    metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
  }[];
  return messages.find(
    (m) =>
      m.metadata?.event_type === MESSAGE_METADATA_TYPE &&
      m.metadata.event_payload?.subject === message.subject,
  )?.ts;
}

/** `notify.message`: posts a build's message or a thread reply once; updates a build's message. */
export async function deliverMessage(
  deps: DeliveryDeps,
  messageId: number,
  owner: string,
  /** A notice not posted within this long after it was asked for is dropped (late, it is noise). */
  options: { maxAgeMs?: number } = {},
): Promise<DeliveryOutcome> {
  const lease = await execute(deps, leaseSlackMessage, SYSTEM_ACTOR, { id: messageId, owner, ms: LEASE_MS });
  if (lease.status === 'missing') return { status: 'done', detail: 'no such message' };
  if (lease.status === 'busy')
    return { status: 'retry', afterMs: BUSY_RETRY_MS, error: 'another job is posting this message' };
  const { message, parent } = lease;
  // An earlier attempt may have posted the message, and nobody has looked yet: until someone does,
  // the row keeps its uncertainty mark, whatever else goes wrong.
  let doubt = lease.wasUncertain && !message.ts;
  try {
    if (message.kind === 'reply' && message.ts) {
      await release(deps, message, owner, {});
      return { status: 'done', detail: 'reply already posted' };
    }
    if (
      options.maxAgeMs !== undefined &&
      !message.ts &&
      Date.now() - message.createdAt.getTime() > options.maxAgeMs
    ) {
      await release(deps, message, owner, {});
      deps.log.warn({ subject: message.subject }, 'a notice not posted within its time is dropped');
      return { status: 'done', detail: 'dropped: too old to be news' };
    }
    if (message.kind === 'reply' && !parent?.ts) {
      await release(deps, message, owner, { certain: !doubt });
      return { status: 'retry', error: 'the message to reply to is not posted yet' };
    }
    const content = await render(deps, message);
    const contentHash = hashOf(content);
    const threadTs = message.kind === 'reply' ? parent!.ts! : undefined;
    let ts = message.ts ?? undefined;
    if (!ts && doubt) {
      ts = await findPosted(deps, message, threadTs).catch((err: unknown) => {
        // Without history access (a missing scope) posting is better than never posting.
        if (classifySlackError(err).outcome.status === 'failed') {
          deps.log.warn({ err, subject: message.subject }, 'could not look for an earlier post; posting');
          return undefined;
        }
        throw err;
      });
      doubt = false;
      if (ts) {
        // Recorded at once: whatever happens next, it is never posted again.
        await release(deps, message, owner, { ts, posted: true, keepLease: true });
        deps.log.info({ subject: message.subject, ts }, 'found the message an earlier attempt posted');
      }
    }
    if (!ts) {
      // A quarantine or a stopped build is news for the whole channel, not only for those following
      // the build's thread.
      const thread: { thread_ts?: string } | { thread_ts: string; reply_broadcast: true } = !threadTs
        ? {}
        : ['quarantined', 'failed', 'paused'].includes(subjectParts(message.subject).outcome ?? '')
          ? { thread_ts: threadTs, reply_broadcast: true }
          : { thread_ts: threadTs };
      const posted = await deps.client.chat.postMessage({
        channel: message.channel,
        text: content.text,
        ...(content.blocks ? { blocks: content.blocks } : {}),
        ...thread,
        unfurl_links: false,
        metadata: { event_type: MESSAGE_METADATA_TYPE, event_payload: { subject: message.subject } },
      });
      await release(deps, message, owner, { ts: posted.ts!, contentHash, posted: true });
      return { status: 'done', detail: `posted ${posted.ts}` };
    }
    if (message.kind === 'reply' || contentHash === message.contentHash) {
      await release(deps, message, owner, { ts, posted: true });
      return { status: 'done', detail: 'unchanged' };
    }
    await deps.client.chat.update({
      channel: message.channel,
      ts,
      text: content.text,
      ...(content.blocks ? { blocks: content.blocks } : {}),
    });
    await release(deps, message, owner, { ts, contentHash, posted: true, updated: true });
    return { status: 'done', detail: `updated ${ts}` };
  } catch (error) {
    const failure = classifySlackError(error);
    await release(deps, message, owner, { certain: !failure.uncertain && !doubt });
    if (failure.outcome.status === 'failed' && !(error instanceof DomainError))
      await reportRefusal(
        deps,
        message,
        failure.code ?? failure.outcome.error,
        printSubject(message.subject)
          ? {
              kind: 'labels',
              runId: printSubject(message.subject)!.run,
              build: null,
              channel: message.channel,
            }
          : { kind: 'build', build: subjectParts(message.subject).build, channel: message.channel },
      );
    return failure.outcome;
  }
}
