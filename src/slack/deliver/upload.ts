/** `notify.upload`: a label PDF uploaded once into the channel that asked for it. */
import { execute } from '../../commands/define.ts';
import { getLabelRun } from '../../commands/labels.ts';
import { leaseSlackMessage } from '../../commands/slack.ts';
import { DomainError } from '../../domain/errors.ts';
import { SYSTEM_ACTOR } from '../../domain/roles.ts';
import { labelsReady } from '../presenters/build.ts';
import type { Undelivered } from '../presenters/delivery.ts';
import { SLACK_CALL_TIMEOUT_MS } from '../web-client.ts';
import {
  BUSY_RETRY_MS,
  LEASE_MS,
  classifySlackError,
  release,
  reportRefusal,
  type DeliveryDeps,
  type DeliveryOutcome,
} from './shared.ts';

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
