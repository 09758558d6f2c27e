/**
 * Talking to Slack for the notify jobs: post a message once and then only update it, post a thread
 * reply once, upload a label PDF once, answer through a response_url. Each function reports a
 * {@link DeliveryOutcome}; the job turns it into done, a delayed retry (a 429's Retry-After, a
 * message another job is busy with), a retry with backoff (5xx, network) or a permanent failure.
 *
 * Never posted twice: a message is posted only while its row has no `ts`, under a lease one job
 * holds at a time, and rendered from current state so updates converge. An attempt whose outcome is
 * unknown (5xx, timeout, crash) leaves the row marked uncertain; the next attempt first looks for
 * the message in the channel (each carries its subject in Slack message metadata) before posting.
 */
import { createHash } from 'node:crypto';
import { execute, type CommandDeps } from '../commands/define.ts';
import { getBuild } from '../commands/builds.ts';
import { getLabelRun } from '../commands/labels.ts';
import type { FileStore, SlackMessage } from '../commands/ports.ts';
import {
  alertEndpoint,
  leaseSlackMessage,
  recordSlackDeliveryFailure,
  releaseSlackMessage,
  subjectParts,
} from '../commands/slack.ts';
import { DomainError } from '../domain/errors.ts';
import { SYSTEM_ACTOR } from '../domain/roles.ts';
import type { Logger } from '../logger.ts';
import { getHistoryEvent } from '../commands/history.ts';
import { getLot } from '../commands/lots.ts';
import {
  buildMessage,
  buildOutcomeReply,
  labelsReady,
  operationFailedReply,
  quarantineReply,
} from './presenters/build.ts';
import { webhookDisabledAlert } from './presenters/alerts.ts';
import { deliveryFailedAnswer, type Undelivered } from './presenters/delivery.ts';
import { getWebhookEndpoint } from '../commands/webhooks.ts';
import type { SlackAnswer, SlackText } from './presenters/format.ts';
import { SLACK_CALL_TIMEOUT_MS, type SlackWebClient } from './web-client.ts';

export type DeliveryOutcome =
  | { status: 'done'; detail: string }
  | { status: 'retry'; afterMs?: number; error: string }
  | { status: 'failed'; error: string };

export interface DeliveryDeps extends CommandDeps {
  client: SlackWebClient;
  files: FileStore;
  publicUrl: string;
  log: Logger;
}

/** How long one job may talk to Slack about a message before another may take over. */
const LEASE_MS = 60_000;
/** A job that finds another one busy with the message tries again after this long. */
const BUSY_RETRY_MS = 750;
/** Metadata event type that marks buildtrace's messages. */
export const MESSAGE_METADATA_TYPE = 'buildtrace_message';

/** Slack answers that say "try again later" without having done anything. */
const TRANSIENT_PLATFORM_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
]);

interface Failure {
  outcome: DeliveryOutcome;
  /** Slack's error code (`not_in_channel` …), when Slack answered with one. */
  code?: string;
  /** Slack may have done it although we saw an error (5xx, timeout, connection lost). */
  uncertain: boolean;
}

/** Classifies an error of the Slack Web API client. */
export function classifySlackError(error: unknown): Failure {
  // Our own refusal (the build or label run is gone): nothing was sent, and retrying cannot help.
  if (error instanceof DomainError)
    return { outcome: { status: 'failed', error: error.message }, uncertain: false };
  const e = error as {
    code?: string;
    retryAfter?: number;
    statusCode?: number;
    data?: { error?: string };
    message?: string;
  };
  const message = e?.message ?? String(error);
  switch (e?.code) {
    case 'slack_webapi_rate_limited_error':
      return {
        outcome: { status: 'retry', afterMs: Math.max(1, e.retryAfter ?? 1) * 1000, error: message },
        uncertain: false,
      };
    case 'slack_webapi_http_error':
      return (e.statusCode ?? 500) >= 500
        ? { outcome: { status: 'retry', error: message }, uncertain: true }
        : { outcome: { status: 'failed', error: message }, uncertain: false };
    case 'slack_webapi_platform_error':
      return TRANSIENT_PLATFORM_ERRORS.has(e.data?.error ?? '')
        ? { outcome: { status: 'retry', error: message }, uncertain: false }
        : {
            outcome: { status: 'failed', error: message },
            uncertain: false,
            ...(e.data?.error ? { code: e.data.error } : {}),
          };
    default:
      // Network failures and timeouts: the request may have reached Slack.
      return { outcome: { status: 'retry', error: message }, uncertain: true };
  }
}

/**
 * Slack refused a build's message or a label PDF for good: recorded on the row (the API shows it on
 * the build or label run) and told to the person who asked, through their request's response_url.
 */
async function reportRefusal(deps: DeliveryDeps, message: SlackMessage, code: string, what: Undelivered) {
  try {
    await execute(deps, recordSlackDeliveryFailure, SYSTEM_ACTOR, {
      id: message.id,
      error: code.slice(0, 200),
      answer: deliveryFailedAnswer(what, code),
    });
  } catch (err) {
    deps.log.error({ err, subject: message.subject }, 'could not record a refused Slack delivery');
  }
  deps.log.warn(
    { subject: message.subject, channel: message.channel, error: code },
    'Slack refused a delivery',
  );
}

const hashOf = (content: SlackText) => createHash('sha256').update(JSON.stringify(content)).digest('hex');

async function release(
  deps: DeliveryDeps,
  message: SlackMessage,
  owner: string,
  patch: {
    ts?: string;
    fileId?: string;
    contentHash?: string;
    posted?: boolean;
    updated?: boolean;
    certain?: boolean;
    keepLease?: boolean;
  },
) {
  await execute(deps, releaseSlackMessage, SYSTEM_ACTOR, { id: message.id, owner, ...patch });
}

/** A build's message or a thread reply, rendered from the build's current state; or an alert. */
async function render(deps: DeliveryDeps, message: SlackMessage): Promise<SlackText> {
  if (message.kind === 'alert') {
    const endpoint = await execute(deps, getWebhookEndpoint, SYSTEM_ACTOR, {
      id: alertEndpoint(message.subject),
    });
    return webhookDisabledAlert(endpoint);
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
    : buildMessage(view, deps.publicUrl);
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
        : ['quarantined', 'failed'].includes(subjectParts(message.subject).outcome ?? '')
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
      await reportRefusal(deps, message, failure.code ?? failure.outcome.error, {
        kind: 'build',
        build: subjectParts(message.subject).build,
        channel: message.channel,
      });
    return failure.outcome;
  }
}

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/**
 * `notify.upload`: a label PDF into the channel that asked for it — get an upload URL, send the
 * bytes, complete the upload. The file id is recorded once the bytes are on Slack; completing the
 * same file again cannot post it twice.
 */
export async function deliverUpload(
  deps: DeliveryDeps,
  messageId: number,
  owner: string,
): Promise<DeliveryOutcome> {
  const lease = await execute(deps, leaseSlackMessage, SYSTEM_ACTOR, { id: messageId, owner, ms: LEASE_MS });
  if (lease.status === 'missing') return { status: 'done', detail: 'no such upload' };
  if (lease.status === 'busy')
    return { status: 'retry', afterMs: BUSY_RETRY_MS, error: 'another job is uploading this file' };
  const { message } = lease;
  const what: Undelivered = {
    kind: 'labels',
    runId: message.labelRunId ?? 0,
    build: null,
    channel: message.channel,
  };
  try {
    if (message.postedAt) {
      await release(deps, message, owner, {});
      return { status: 'done', detail: 'already uploaded' };
    }
    const run = await execute(deps, getLabelRun, SYSTEM_ACTOR, { id: message.labelRunId! });
    if (run.source.kind === 'build') what.build = run.source.buildCode;
    if (run.status !== 'done' || !run.fileKey) {
      await release(deps, message, owner, {});
      return run.status === 'failed'
        ? { status: 'failed', error: `label run ${run.id} failed: ${run.error ?? ''}` }
        : { status: 'retry', error: `label run ${run.id} is not rendered yet` };
    }
    let fileId = message.fileId ?? undefined;
    if (!fileId) {
      const file = await deps.files.open(run.fileKey);
      if (!file) {
        await release(deps, message, owner, {});
        return { status: 'failed', error: `the PDF of label run ${run.id} is missing from the file store` };
      }
      const bytes = await readAll(file.stream);
      const filename = `labels-${run.source.kind === 'build' ? run.source.buildCode : run.id}.pdf`;
      const target = await deps.client.files.getUploadURLExternal({ filename, length: bytes.length });
      const sent = await fetch(target.upload_url!, {
        method: 'POST',
        headers: { 'content-type': 'application/pdf' },
        body: bytes,
        signal: AbortSignal.timeout(SLACK_CALL_TIMEOUT_MS * 6),
      });
      if (!sent.ok) {
        await release(deps, message, owner, {});
        if (sent.status >= 500 || sent.status === 429)
          return { status: 'retry', error: `upload answered ${sent.status}` };
        await reportRefusal(deps, message, `upload_http_${sent.status}`, what);
        return { status: 'failed', error: `upload answered ${sent.status}` };
      }
      fileId = target.file_id!;
      await release(deps, message, owner, { fileId, keepLease: true });
    }
    const title =
      run.source.kind === 'build' ? `Labels, build ${run.source.buildCode}` : `Labels, run ${run.id}`;
    await deps.client.files.completeUploadExternal({
      files: [{ id: fileId, title }],
      channel_id: message.channel,
      initial_comment: labelsReady(run),
    });
    await release(deps, message, owner, { ts: fileId, posted: true });
    return { status: 'done', detail: `uploaded ${fileId}` };
  } catch (error) {
    await release(deps, message, owner, {});
    const failure = classifySlackError(error);
    if (failure.outcome.status === 'failed' && !(error instanceof DomainError))
      await reportRefusal(deps, message, failure.code ?? failure.outcome.error, what);
    return failure.outcome;
  }
}

/** `notify.respond`: an answer to a command or button through its response_url. */
export async function deliverResponse(url: string, answer: SlackAnswer | object): Promise<DeliveryOutcome> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(answer),
      redirect: 'error',
      signal: AbortSignal.timeout(SLACK_CALL_TIMEOUT_MS),
    });
  } catch (error) {
    return { status: 'retry', error: `response_url: ${(error as Error).message}` };
  }
  const body = (await res.text().catch(() => '')).slice(0, 200);
  if (res.ok) return { status: 'done', detail: `answered ${res.status}` };
  if (res.status === 429) {
    const after = Number.parseInt(res.headers.get('retry-after') ?? '', 10);
    return {
      status: 'retry',
      afterMs: (Number.isFinite(after) && after > 0 ? after : 1) * 1000,
      error: 'response_url: 429',
    };
  }
  if (res.status >= 500) return { status: 'retry', error: `response_url answered ${res.status} ${body}` };
  // 404 expired_url / used_url and other refusals: trying again cannot help.
  return { status: 'failed', error: `response_url answered ${res.status} ${body}` };
}
