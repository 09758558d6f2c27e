/**
 * Webhooks: endpoints subscribe to event types; every relayed event becomes one delivery per
 * matching endpoint (`webhookSubscriber`), and each delivery attempt is one `webhooks.deliver` job.
 * Deliveries follow Standard Webhooks (signed `webhook-id`/`webhook-timestamp`/`webhook-signature`),
 * retry with backoff as delayed jobs, are logged attempt by attempt, can be redelivered by hand,
 * and an endpoint that answers 410 or keeps failing for a day is disabled (event
 * `webhook_endpoint.disabled`, which Slack tells the admins about).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.ts';
import { EVENT_TYPES, withAbsoluteLinks, type StoredEvent } from '../domain/events.ts';
import { SYSTEM_ACTOR } from '../domain/roles.ts';
import {
  decideAfterAttempt,
  endpointOrigin,
  endpointSubscribes,
  generateWebhookSecret,
  isValidEventPattern,
  type AttemptOutcome,
} from '../domain/webhooks.ts';
import { defineCommand, execute, type CommandDeps } from './define.ts';
import { jobRequest } from './jobs.ts';
import type {
  AttemptWrite,
  DeliveryBatches,
  DeliveryState,
  EventSubscriber,
  Repositories,
  WebhookDelivery,
  WebhookEndpoint,
} from './ports.ts';
import { optionalText, pageQuery, text } from './validation.ts';

/**
 * How long an attempt that has come due (`nextAttemptAt` passed) is taken to be on its way, so a
 * redelivery does not queue it again; longer than any attempt (WEBHOOK_TIMEOUT_MS ≤ 60 s) plus its
 * wait in the queue. Past it, the attempt is taken as lost and a redelivery queues a new one.
 */
const ATTEMPT_DUE_WINDOW_MS = 5 * 60_000;

/** A rotated-out secret keeps signing this long, so receivers can switch without losing messages. */
export const SECRET_OVERLAP_MS = 24 * 3_600_000;

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/**
 * What `checkUrlShape` accepts, for the document: http(s), a host, no credentials, no whitespace.
 * Whether the host resolves to an address webhooks may reach is checked when saved (400 if not).
 */
const URL_PATTERN =
  '^[Hh][Tt][Tt][Pp][Ss]?://(\\[[0-9A-Fa-f:.]+\\]|[^\\s\\u0000-\\u001f\\u007f/?#@:\\[\\]\\\\<>^|%"]+)' +
  '(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4}))?([/?#]\\S*)?$';
const url = text(2000)
  .regex(new RegExp(URL_PATTERN), 'must be an http or https URL with a host and no credentials')
  .meta({ format: 'uri', pattern: URL_PATTERN })
  .describe('http(s) URL; its host must resolve to an address webhooks may reach (see WEBHOOK_ALLOW_LIST)');
/** Every pattern `isValidEventPattern` accepts (`*`, each event type, `<prefix>.*`), for the document. */
const EVENT_PATTERNS = [
  ...new Set([
    '*',
    ...EVENT_TYPES.flatMap((type) => [...type.matchAll(/\./g)].map((m) => `${type.slice(0, m.index + 1)}*`)),
    ...EVENT_TYPES,
  ]),
];
const eventTypes = z
  .array(text(100).meta({ enum: EVENT_PATTERNS }))
  .min(1)
  .max(50)
  .superRefine((patterns, ctx) => {
    patterns.forEach((p, i) => {
      if (!isValidEventPattern(p)) {
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: `'${p}' matches no event type (e.g. build.completed, build.*, *)`,
        });
      }
    });
  });

const messageId = () => `msg_${randomBytes(16).toString('base64url')}`;

/**
 * The exact body sent for an event: Standard Webhooks' `{type, timestamp, data}`, with its links
 * absolute when `publicUrl` (PUBLIC_URL) is given.
 */
export function eventBody(
  event: Pick<StoredEvent, 'type' | 'occurredAt' | 'data' | 'stream' | 'sequence'>,
  publicUrl?: string,
): string {
  const data = publicUrl === undefined ? event.data : withAbsoluteLinks(event.data, publicUrl);
  return JSON.stringify({
    type: event.type,
    timestamp: event.occurredAt.toISOString(),
    data: { ...data, stream: event.stream, sequence: event.sequence },
  });
}

async function findEndpoint(repos: Repositories, endpointId: number, lock = false): Promise<WebhookEndpoint> {
  const endpoint = await repos.webhooks.findEndpoint(endpointId, { lock });
  if (!endpoint)
    throw new NotFoundError(
      'webhook endpoint',
      String(endpointId),
      `webhook endpoint ${endpointId} does not exist`,
      'id',
    );
  return endpoint;
}

async function findDelivery(repos: Repositories, deliveryId: number, lock = false): Promise<WebhookDelivery> {
  const delivery = await repos.webhooks.findDelivery(deliveryId, { lock });
  if (!delivery)
    throw new NotFoundError(
      'webhook delivery',
      String(deliveryId),
      `webhook delivery ${deliveryId} does not exist`,
      'id',
    );
  return delivery;
}

/** Active secrets, newest first (expired rotated-out ones dropped). */
export function activeSecrets(endpoint: Pick<WebhookEndpoint, 'secrets'>, now = new Date()): string[] {
  return endpoint.secrets
    .filter((s) => s.expiresAt === null || new Date(s.expiresAt) > now)
    .map((s) => s.secret);
}

const deliverJob = (deliveryId: number, attempt: number, manual = false) =>
  jobRequest(
    'webhooks.deliver',
    { deliveryId, attempt, manual },
    `delivery-${deliveryId}-${attempt}${manual ? `-manual-${Date.now()}` : ''}`,
  );

async function checkUrl(
  services: { checkWebhookUrl(url: string): Promise<{ ok: true } | { ok: false; reason: string }> },
  value: string,
) {
  const verdict = await services.checkWebhookUrl(value);
  if (!verdict.ok) throw ValidationError.field('url', verdict.reason);
}

export const createWebhookEndpoint = defineCommand({
  name: 'createWebhookEndpoint',
  summary: 'Subscribe a URL to event types; the signing secret (whsec_…) is shown in the answer',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ url, eventTypes, description: optionalText(500) }),
  async run({ repos, actor, services }, input) {
    await checkUrl(services, input.url);
    const secret = generateWebhookSecret();
    const endpoint = await repos.webhooks.insertEndpoint({
      url: input.url,
      description: input.description ?? null,
      eventTypes: [...new Set(input.eventTypes)],
      secret,
      createdBy: actor.name,
    });
    return { ...endpoint, secret };
  },
});

export const listWebhookEndpoints = defineCommand({
  name: 'listWebhookEndpoints',
  summary: 'List webhook endpoints',
  role: 'admin',
  mode: 'read',
  input: pageQuery,
  run: ({ repos }, page) => repos.webhooks.listEndpoints(page),
});

export const getWebhookEndpoint = defineCommand({
  name: 'getWebhookEndpoint',
  summary: 'Show a webhook endpoint',
  role: 'admin',
  mode: 'read',
  input: z.strictObject({ id }),
  run: ({ repos }, { id: endpointId }) => findEndpoint(repos, endpointId),
});

export const updateWebhookEndpoint = defineCommand({
  name: 'updateWebhookEndpoint',
  summary: 'Change an endpoint’s URL, event types or description, or enable/disable it',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({
    id,
    url: url.optional(),
    eventTypes: eventTypes.optional(),
    description: optionalText(500),
    enabled: z.boolean().optional(),
  }),
  async run({ repos, services }, { id: endpointId, url: newUrl, eventTypes: types, description, enabled }) {
    await findEndpoint(repos, endpointId, true);
    if (newUrl !== undefined) await checkUrl(services, newUrl);
    return repos.webhooks.updateEndpoint(endpointId, {
      ...(newUrl !== undefined ? { url: newUrl } : {}),
      ...(types !== undefined ? { eventTypes: [...new Set(types)] } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(enabled !== undefined
        ? { status: enabled ? 'active' : 'disabled', disabledReason: enabled ? null : 'disabled by an admin' }
        : {}),
    });
  },
});

export const deleteWebhookEndpoint = defineCommand({
  name: 'deleteWebhookEndpoint',
  summary: 'Delete a webhook endpoint and its delivery log',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ id }),
  async run({ repos }, { id: endpointId }) {
    await findEndpoint(repos, endpointId, true);
    await repos.webhooks.deleteEndpoint(endpointId);
  },
});

export const rotateWebhookSecret = defineCommand({
  name: 'rotateWebhookSecret',
  summary: 'Issue a new signing secret; the old one keeps signing for 24 hours',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ id }),
  async run({ repos }, { id: endpointId }) {
    const endpoint = await findEndpoint(repos, endpointId, true);
    const secret = generateWebhookSecret();
    const expiresAt = new Date(Date.now() + SECRET_OVERLAP_MS).toISOString();
    const kept = endpoint.secrets
      .filter((s) => s.expiresAt === null || new Date(s.expiresAt) > new Date())
      .map((s) => ({ secret: s.secret, expiresAt: s.expiresAt ?? expiresAt }));
    const updated = await repos.webhooks.updateEndpoint(endpointId, {
      secrets: [{ secret, expiresAt: null }, ...kept],
    });
    return { ...updated, secret };
  },
});

export const pingWebhookEndpoint = defineCommand({
  name: 'pingWebhookEndpoint',
  summary: 'Send a signed test message (type webhook.ping) to an endpoint',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ id }),
  async run({ repos }, { id: endpointId }) {
    const endpoint = await findEndpoint(repos, endpointId);
    const body = JSON.stringify({
      type: 'webhook.ping',
      timestamp: new Date().toISOString(),
      data: { endpoint: endpoint.id, url: endpoint.url },
    });
    const delivery = (await repos.webhooks.insertDelivery({
      messageId: messageId(),
      endpointId,
      eventId: null,
      eventType: 'webhook.ping',
      body,
    }))!;
    await repos.jobs.enqueue(deliverJob(delivery.id, 1));
    return delivery;
  },
});

export const listWebhookDeliveries = defineCommand({
  name: 'listWebhookDeliveries',
  summary: 'The delivery log of an endpoint, oldest first',
  role: 'admin',
  mode: 'read',
  input: pageQuery.extend({
    id,
    status: z.enum(['pending', 'retrying', 'succeeded', 'failed', 'cancelled']).optional(),
  }),
  async run({ repos }, { id: endpointId, status, limit, cursor }) {
    await findEndpoint(repos, endpointId);
    return repos.webhooks.listDeliveries(endpointId, { status }, { limit, cursor });
  },
});

export const getWebhookDelivery = defineCommand({
  name: 'getWebhookDelivery',
  summary: 'A delivery with every attempt (status, duration, response excerpt, error)',
  role: 'admin',
  mode: 'read',
  input: z.strictObject({ id }),
  async run({ repos }, { id: deliveryId }) {
    const delivery = await findDelivery(repos, deliveryId);
    return { ...delivery, attemptLog: await repos.webhooks.attempts(deliveryId) };
  },
});

/**
 * Queues one more attempt now. The answer is the delivery as it stands once the attempt is queued:
 * `nextAttemptAt` is now and `redelivery.attempt` the number the attempt gets in the log; `status`
 * moves when the attempt is recorded. An attempt already due (a redelivery asked for moments ago,
 * or a retry whose time has come) is not queued twice: the answer names it instead.
 */
export const redeliverWebhook = defineCommand({
  name: 'redeliverWebhook',
  summary: 'Send a delivery again now (same webhook-id and body)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ id }),
  async run({ repos, actor }, { id: deliveryId }) {
    const delivery = await findDelivery(repos, deliveryId, true);
    const endpoint = await findEndpoint(repos, delivery.endpointId);
    if (endpoint.status !== 'active')
      throw new ConflictError(`endpoint ${endpoint.id} is disabled; enable it first`);
    const attempt = delivery.attempts + 1;
    const now = Date.now();
    const due = delivery.nextAttemptAt?.getTime();
    // Sending the same attempt twice at once would reach the receiver twice for one log entry.
    if (due !== undefined && due <= now && now - due < ATTEMPT_DUE_WINDOW_MS)
      return { ...delivery, redelivery: { attempt } };
    const job = deliverJob(delivery.id, attempt, true);
    await repos.jobs.enqueue(job);
    // A delivery still owed attempts is carried by this job now: the reconciler looks for it.
    if (delivery.status === 'pending' || delivery.status === 'retrying')
      await repos.work.record({
        subject: `webhook_delivery:${delivery.id}`,
        job: 'webhooks.deliver',
        action: 'redrive',
        cause: 'retry',
        baseJobId: `delivery-${delivery.id}-${delivery.attempts + 1}`,
        jobId: job.jobId,
        detail: `manual redelivery by ${actor.name}`,
        progress: delivery.attempts,
        actor: actor.name,
      });
    const queued = await repos.webhooks.updateDelivery(delivery.id, { nextAttemptAt: new Date(now) });
    return { ...queued, redelivery: { attempt } };
  },
});

/** Turns every relayed event into a delivery per active endpoint subscribed to its type. */
export const webhookSubscriber: EventSubscriber = {
  name: 'webhooks',
  async handle(events, repos, { publicUrl }) {
    const endpoints = await repos.webhooks.activeEndpoints();
    const rows = events.flatMap((event) =>
      endpoints
        .filter((endpoint) => endpointSubscribes(endpoint.eventTypes, event.type))
        .map((endpoint) => ({
          messageId: messageId(),
          endpointId: endpoint.id,
          eventId: event.id,
          eventType: event.type,
          body: eventBody(event, publicUrl),
        })),
    );
    const ids: number[] = [];
    for (let i = 0; i < rows.length; i += 1_000)
      ids.push(...(await repos.webhooks.insertDeliveries(rows.slice(i, i + 1_000))));
    await repos.jobs.enqueueMany(ids.map((id) => deliverJob(id, 1)));
    return { deliveries: ids.length };
  },
};

// ---------------------------------------------------------------------------------------------
// Delivering

export interface WebhookSendResult {
  ok: boolean;
  status: number | null;
  durationMs: number;
  responseExcerpt: string | null;
  error: string | null;
  outcome: AttemptOutcome;
}

/** Sends one signed request; implemented in src/webhooks/deliver.ts. */
export type WebhookSender = (request: {
  url: string;
  id: string;
  timestamp: Date;
  body: string;
  secrets: string[];
}) => Promise<WebhookSendResult>;

/** What an attempt's result changes: the attempt record and whatever must change with it. */
interface AttemptPlan {
  write: AttemptWrite;
  /** The next attempt's delay, when there is one. */
  retryInMs: number | null;
  /** The endpoint's new failure clock, when it moves (undefined: it stays as it is). */
  failingSince?: Date | null;
  /** Why the endpoint is disabled, when it is. */
  disableReason: string | null;
}

function planAttempt(
  job: { deliveryId: number; attempt: number; manual: boolean },
  before: DeliveryState,
  startedAt: Date,
  result: WebhookSendResult,
  retryDelaysMs: number[] | undefined,
): AttemptPlan {
  const now = new Date();
  const { delivery, endpoint } = before;
  const decision = decideAfterAttempt({
    outcome: result.outcome,
    attemptNumber: job.attempt,
    failingSince: endpoint.failingSince,
    now,
    ...(retryDelaysMs ? { delays: retryDelaysMs } : {}),
  });
  // A manual redelivery of a finished delivery is one more try, not a new retry schedule.
  const retrying =
    decision.delivery === 'retrying' &&
    !(job.manual && (delivery.status === 'failed' || delivery.status === 'succeeded'));
  const status =
    decision.delivery === 'succeeded'
      ? 'succeeded'
      : retrying
        ? 'retrying'
        : decision.delivery === 'retrying'
          ? delivery.status
          : 'failed';
  const retryInMs = retrying ? decision.retryInMs! : null;
  return {
    write: {
      deliveryId: job.deliveryId,
      attempt: {
        number: job.attempt,
        manual: job.manual,
        startedAt,
        durationMs: result.durationMs,
        statusCode: result.status,
        responseExcerpt: result.responseExcerpt,
        error: result.error,
        outcome: result.outcome,
      },
      state: {
        status,
        lastStatusCode: result.status,
        nextAttemptAt: retryInMs === null ? null : new Date(now.getTime() + retryInMs),
      },
    },
    retryInMs,
    ...((decision.failingSince === null) !== (endpoint.failingSince === null)
      ? { failingSince: decision.failingSince }
      : {}),
    disableReason:
      decision.disableEndpoint === 'gone'
        ? 'the endpoint answered 410 Gone'
        : decision.disableEndpoint === 'failing'
          ? 'the endpoint has been failing for more than 24 hours'
          : null,
  };
}

/** Records an attempt with its follow-ups — next attempt, endpoint health, event — in one transaction. */
async function recordWithFollowUps(repos: Repositories, plan: AttemptPlan, endpoint: WebhookEndpoint) {
  const recorded = await repos.webhooks.recordAttemptsOnce([plan.write]);
  if (!recorded.has(plan.write.deliveryId)) return false;
  if (plan.retryInMs !== null)
    await repos.jobs.enqueue({
      ...deliverJob(plan.write.deliveryId, plan.write.attempt.number + 1),
      delayMs: plan.retryInMs,
    });
  if (plan.failingSince !== undefined) await repos.webhooks.setFailingSince(endpoint.id, plan.failingSince);
  if (plan.disableReason && (await repos.webhooks.disableIfActive(endpoint.id, plan.disableReason))) {
    await repos.events.append([
      {
        type: 'webhook_endpoint.disabled',
        stream: `webhook_endpoint:${endpoint.id}`,
        // Its origin, never its URL: the event reaches other receivers, and URLs carry tokens.
        data: { endpoint: endpoint.id, origin: endpointOrigin(endpoint.url), reason: plan.disableReason },
      },
    ]);
  }
  return true;
}

/**
 * One delivery attempt (the `webhooks.deliver` job). Sends outside any transaction — a slow
 * receiver must not hold database locks — then records the attempt and schedules the next one.
 * An attempt already recorded is not sent again; a worker that dies between sending and recording
 * sends again on retry, with the same webhook-id, so receivers can tell. Given `batches`, the read
 * and a plain record (a success that changes nothing else) share round trips with the attempts
 * running beside it; anything with follow-ups is one transaction of its own.
 */
export async function deliverWebhook(
  deps: CommandDeps & { batches?: DeliveryBatches },
  job: { deliveryId: number; attempt: number; manual: boolean },
  send: WebhookSender,
  options: { retryDelaysMs?: number[] } = {},
): Promise<{ sent: boolean; status?: string }> {
  const state = deps.batches
    ? await deps.batches.load(job.deliveryId)
    : ((await deps.uow.read((repos) => repos.webhooks.deliveriesWithEndpoints([job.deliveryId]))).get(
        job.deliveryId,
      ) ?? null);
  if (!state) return { sent: false, status: 'missing' };
  const { delivery, endpoint } = state;
  if (delivery.attempts >= job.attempt) return { sent: false, status: delivery.status };
  if (
    !job.manual &&
    (delivery.status === 'succeeded' || delivery.status === 'failed' || delivery.status === 'cancelled')
  ) {
    return { sent: false, status: delivery.status };
  }
  if (endpoint.status !== 'active') {
    await deps.uow.transaction((repos) =>
      repos.webhooks.updateDelivery(delivery.id, { status: 'cancelled', nextAttemptAt: null }),
    );
    return { sent: false, status: 'cancelled' };
  }
  const startedAt = new Date();
  const result = await send({
    url: endpoint.url,
    id: delivery.messageId,
    timestamp: startedAt,
    body: delivery.body,
    secrets: activeSecrets(endpoint, startedAt),
  });
  const plan = planAttempt(job, state, startedAt, result, options.retryDelaysMs);
  const plain = plan.retryInMs === null && plan.failingSince === undefined && plan.disableReason === null;
  const recorded =
    plain && deps.batches
      ? await deps.batches.record(plan.write)
      : await deps.uow.transaction((repos) => recordWithFollowUps(repos, plan, endpoint));
  return { sent: true, ...(recorded ? { status: plan.write.state.status } : {}) };
}

const settleDeliveryCommand = defineCommand({
  name: 'settleWebhookDelivery',
  summary: 'Give up a delivery whose attempts could not run (workers only)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ deliveryId: z.int().positive() }),
  async run({ repos }, { deliveryId }) {
    const delivery = await repos.webhooks.findDelivery(deliveryId, { lock: true });
    if (!delivery) return delivery;
    // A manual redelivery of a finished delivery that could not be made: no attempt is due any more.
    if (delivery.status !== 'pending' && delivery.status !== 'retrying')
      return delivery.nextAttemptAt === null
        ? delivery
        : repos.webhooks.updateDelivery(deliveryId, { nextAttemptAt: null });
    // A person may redeliver it from the delivery log.
    return repos.webhooks.updateDelivery(deliveryId, { status: 'failed', nextAttemptAt: null });
  },
});

/** Settles a delivery whose attempts could not even be made (the worker gave up on it): failed. */
export async function settleWebhookDelivery(deps: CommandDeps, deliveryId: number): Promise<void> {
  await execute(deps, settleDeliveryCommand, SYSTEM_ACTOR, { deliveryId });
}
