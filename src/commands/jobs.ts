/**
 * The jobs commands may request, and the shape of their data. The queue catalogue
 * (src/queue/catalogue.ts) assigns each to a queue with its retry options; a command requests one
 * through `repos.jobs.enqueue`, inside its own transaction.
 */
import { z } from 'zod';

const id = z.int().positive();

export const JOB_DATA = {
  // Up to 500 events per job (the relay's batch). Jobs queued before batching carry one eventId.
  'events.fanout': z.preprocess(
    (d) =>
      d && typeof d === 'object' && 'eventId' in d && !('eventIds' in d)
        ? { eventIds: [(d as { eventId: unknown }).eventId] }
        : d,
    z.object({ eventIds: z.array(id).min(1).max(1_000) }),
  ),
  'builds.start': z.object({ operationId: id }),
  'builds.advance': z.object({ operationId: id }),
  'builds.complete': z.object({ operationId: id }),
  'builds.cancel': z.object({ operationId: id }),
  // Jobs queued before unit generation was an operation of its own carry only the build.
  'lots.generate': z.object({ buildId: id, operationId: id.optional() }),
  'trace.recall': z.object({ recallId: id }),
  'labels.render': z.object({ runId: id }),
  'webhooks.deliver': z.object({ deliveryId: id, attempt: id, manual: z.boolean().default(false) }),
  'notify.message': z.object({ messageId: id }),
  'notify.notice': z.object({ messageId: id }),
  'notify.upload': z.object({ messageId: id }),
  'notify.respond': z.object({
    url: z.url({ protocol: /^https?$/ }).max(2000),
    message: z.object({
      text: z.string().max(40_000),
      blocks: z.array(z.record(z.string(), z.unknown())).max(50).optional(),
      response_type: z.enum(['ephemeral', 'in_channel']).optional(),
      replace_original: z.boolean().optional(),
    }),
  }),
  // A Slack command or button the web process acknowledged and handed over (src/slack/requests.ts).
  'slack.answer': z.object({
    user: z.string().regex(/^[A-Za-z0-9]{1,40}$/, 'must be a Slack user ID'),
    channel: z.string().regex(/^[A-Za-z0-9]{0,40}$/, 'must be a Slack channel ID'),
    responseUrl: z.url({ protocol: /^https?$/ }).max(2000),
    /** Names the request (src/slack/answer.ts requestKey): its answer is queued once. */
    key: z.string().min(1).max(500),
    request: z.discriminatedUnion('kind', [
      z.object({
        kind: z.literal('command'),
        command: z.enum(['/build', '/lot', '/trace']),
        text: z.string().max(4_000),
      }),
      z.object({
        kind: z.literal('button'),
        action: z.enum(['advance', 'complete', 'cancel', 'retry', 'labels']),
        value: z.string().max(200),
      }),
    ]),
  }),
} as const;

export type JobRequestName = keyof typeof JOB_DATA;
export type JobRequestData<N extends JobRequestName> = z.input<(typeof JOB_DATA)[N]>;

/** A typed job request for `repos.jobs.enqueue`. */
export function jobRequest<N extends JobRequestName>(name: N, data: JobRequestData<N>, jobId: string) {
  return { name, data: data as Record<string, unknown>, jobId };
}
