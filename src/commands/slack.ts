/**
 * The Slack side of the use cases: requests that remember where in Slack they came from, so the
 * build's message, its completion reply and label PDFs go to that channel, and the bookkeeping that
 * makes every Slack message posted once and then only updated.
 *
 * A Slack message is a row in `slack_messages` keyed by what it represents (its subject); every
 * post or update is a `notify.*` job that renders from current state. One job at a time holds a
 * message's lease while it talks to Slack, so two jobs never both post it, and a rendering never
 * overtakes a newer one.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { NotFoundError, RuleViolation, ValidationError } from '../domain/errors.ts';
import { TEMPLATE_NAMES } from '../labels/templates.ts';
import type { StoredEvent } from '../domain/events.ts';
import { parseIdCode } from '../domain/id-code.ts';
import { excerpt } from '../domain/slack-commands.ts';
import { SYSTEM_ACTOR } from '../domain/roles.ts';
import { createBuild } from './builds.ts';
import { defineCommand } from './define.ts';
import { jobRequest } from './jobs.ts';
import { requestLabels } from './labels.ts';
import type { EventSubscriber, Repositories, SlackMessage } from './ports.ts';
import { idCodeRef, parseWith, text } from './validation.ts';

const channelId = z
  .string()
  .regex(/^[CGD][A-Z0-9]{2,30}$/, 'must be a Slack channel ID')
  .describe('Slack channel ID');

/** A response_url Slack gave with a request: answers to it are accepted for 30 minutes. */
const responseUrl = z.url({ protocol: /^https?$/ }).max(2000);
/** How long after a request its response_url may still be used (Slack: 30 min). */
const RESPONSE_URL_LIFETIME_MS = 29 * 60_000;

/** Subjects of the messages buildtrace posts. */
export const slackSubjects = {
  build: (code: string) => `build:${code}`,
  buildOutcome: (code: string, outcome: 'completed' | 'cancelled') => `build:${code}:${outcome}`,
  labels: (runId: number) => `labels:${runId}`,
  /** A reply in a build's thread: one of its units was quarantined by a failed required test. */
  quarantined: (build: string, lot: string, historyEvent: number) =>
    `build:${build}:quarantined:${lot}:${historyEvent}`,
  /** A reply in a build's thread: a worker gave up on one of its operations (one per operation). */
  operationFailed: (build: string, operationId: number) => `build:${build}:failed:${operationId}`,
  /** A direct message to one admin about a disabled webhook endpoint (one per event and admin). */
  webhookDisabled: (endpointId: number, eventId: number, userId: string) =>
    `alert:webhook:${endpointId}:${eventId}:${userId}`,
};

/** The endpoint an alert's subject names. */
export function alertEndpoint(subject: string): number | null {
  const m = /^alert:webhook:(\d+):/.exec(subject);
  return m ? Number(m[1]) : null;
}

/**
 * The build (and outcome, for a reply) a build message's subject names; for a quarantine notice,
 * also the unit's lot and the history event of the failed test.
 */
export function subjectParts(subject: string): {
  build: string;
  outcome: string | undefined;
  lot?: string;
  historyEvent?: number;
  operationId?: number;
} {
  const [, build = '', outcome, lot, historyEvent] = subject.split(':');
  if (outcome === 'failed' && lot) return { build, outcome, operationId: Number(lot) };
  return outcome === 'quarantined' && lot && historyEvent
    ? { build, outcome, lot, historyEvent: Number(historyEvent) }
    : { build, outcome };
}

const messageJob = (message: SlackMessage, why: string) =>
  jobRequest('notify.message', { messageId: message.id }, `slack-message-${message.id}-${why}`);

async function findProject(repos: Repositories, named: string) {
  const code = parseIdCode(named);
  const project = code.ok
    ? await repos.projects.findByCode(code.code)
    : await repos.projects.findByName(named);
  if (!project)
    throw new NotFoundError(
      'project',
      named,
      code.ok ? `project ${code.code} does not exist` : `no project is named '${excerpt(named)}'`,
      'project',
    );
  return project;
}

export const startBuildFromSlack = defineCommand({
  name: 'startBuildFromSlack',
  summary: "Start a build of a project named by ID code or name, and post the build's message to a channel",
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    project: text(200),
    quantity: z.int(),
    trackUnits: z.boolean().default(false),
    stages: z.array(z.string()).default([]),
    acceptIncompleteBom: z.boolean().default(false),
    channel: channelId,
    responseUrl: responseUrl.optional(),
  }),
  async run(
    ctx,
    { project: named, quantity, trackUnits, stages, acceptIncompleteBom, channel, responseUrl: url },
  ) {
    const project = await findProject(ctx.repos, named);
    const input = parseWith(createBuild.input, {
      project: project.code,
      quantity,
      trackUnits,
      stages,
      acceptIncompleteBom,
    });
    const { build, operation } = await createBuild.run(ctx, input);
    const message = await ctx.repos.slackMessages.insert({
      subject: slackSubjects.build(build.code),
      kind: 'build',
      channel,
      buildId: build.id,
      requestedBy: ctx.actor.name,
      responseUrl: url,
    });
    await ctx.repos.jobs.enqueue(messageJob(message, 'requested'));
    return { build, operation, project };
  },
});

export const requestLabelsFromSlack = defineCommand({
  name: 'requestLabelsFromSlack',
  summary: "Render labels of a build's units and upload the PDF to a Slack channel when it is ready",
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    build: idCodeRef,
    template: z.string().optional(),
    serials: z.string().optional(),
    dpi: z.int().optional(),
    channel: channelId,
    responseUrl: responseUrl.optional(),
  }),
  async run(ctx, { build, template, serials, dpi, channel, responseUrl: url }) {
    if (template && !(TEMPLATE_NAMES as readonly string[]).includes(template))
      throw ValidationError.field(
        'template',
        `'${excerpt(template)}' is not a label template; the templates are ${TEMPLATE_NAMES.join(', ')}`,
      );
    // A build that does not track units has no unit labels: Slack prints the lot(s) it made.
    const ref = parseIdCode(build);
    const found = ref.ok ? await ctx.repos.builds.findByCode(ref.code) : null;
    let lots: string[] | undefined;
    if (found && !found.trackUnits) {
      if (serials)
        throw ValidationError.field('serials', `build ${found.code} does not track units: it has no serials`);
      const made = [
        ...(await ctx.repos.lots.producedBy(found.id, 'in_production')),
        ...(await ctx.repos.lots.producedBy(found.id, 'available')),
      ];
      if (made.length === 0)
        throw new RuleViolation(
          `build ${found.code} does not track units and has made no lot yet: its lot gets a label once the build is started`,
        );
      lots = made.map((l) => l.code);
    }
    const input = parseWith(requestLabels.input, {
      ...(lots ? { lots } : { build }),
      ...(template ? { template } : {}),
      ...(serials && !lots ? { serials } : {}),
      ...(dpi ? { dpi } : {}),
    });
    const run = await requestLabels.run(ctx, input);
    await ctx.repos.slackMessages.insert({
      subject: slackSubjects.labels(run.id),
      kind: 'upload',
      channel,
      labelRunId: run.id,
      requestedBy: ctx.actor.name,
      responseUrl: url,
    });
    return run;
  },
});

const slackMessageOut = z.object({
  text: z.string().max(40_000),
  blocks: z.array(z.record(z.string(), z.unknown())).max(50).optional(),
  response_type: z.enum(['ephemeral', 'in_channel']).optional(),
  replace_original: z.boolean().optional(),
});

/**
 * A Slack command or button the web process acknowledged and hands over (src/slack/requests.ts): the
 * input of {@link queueSlackRequest}, and the data of the `slack.answer` job that runs it
 * (workers/jobs/slack.answer.ts). The web process checks what Slack sent against it before the ack.
 */
export const slackRequest = z.object({
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
});

/** The id of the job answering a Slack request: the same request is run once. */
export const slackAnswerJobId = (key: string) =>
  `slack-answer-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;

/**
 * Hands a Slack command or button to the workers through the outbox (a `slack.answer` job). The web
 * process uses it when the queue itself is unreachable (src/slack/answer.ts handOff).
 */
export const queueSlackRequest = defineCommand({
  name: 'queueSlackRequest',
  summary: 'Hand a Slack command or button to the workers (Slack transport only)',
  role: 'admin',
  mode: 'write',
  input: slackRequest,
  async run({ repos }, request) {
    await repos.jobs.enqueue(jobRequest('slack.answer', request, slackAnswerJobId(request.key)));
  },
});

/**
 * Queues an answer to a Slack command or button through its response_url (a `notify.respond` job).
 * False when an answer under the same key was queued before (by a committed unit of work): the
 * request was answered already, and this one is not queued.
 */
export const queueSlackResponse = defineCommand({
  name: 'queueSlackResponse',
  summary: 'Queue an answer to a Slack request through its response_url (Slack transport only)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({
    url: responseUrl,
    /** Names the answer: the same key is only ever answered once. */
    key: z.string().min(1).max(500),
    message: slackMessageOut,
  }),
  async run({ repos }, { url, key, message }) {
    const id = createHash('sha256').update(key).digest('hex').slice(0, 32);
    return repos.jobs.enqueueOnce(jobRequest('notify.respond', { url, message }, `slack-respond-${id}`));
  },
});

/**
 * Records that Slack refused a message for good (`not_in_channel`, `channel_not_found` …), so the
 * build or label run shows it, and tells the person who asked for it through the request's
 * response_url while Slack still accepts it — in the same transaction.
 */
export const recordSlackDeliveryFailure = defineCommand({
  name: 'recordSlackDeliveryFailure',
  summary: 'Record that Slack refused a message for good and tell the person who asked (workers only)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({
    id: z.int().positive(),
    error: z.string().min(1).max(200),
    /** What to tell the person who asked. */
    answer: slackMessageOut,
  }),
  async run({ repos }, { id, error, answer }) {
    const message = await repos.slackMessages.findById(id, { lock: true });
    if (!message || message.postedAt) return { told: false };
    await repos.slackMessages.update(id, { failure: { error } });
    const fresh = Date.now() - message.createdAt.getTime() < RESPONSE_URL_LIFETIME_MS;
    if (!message.responseUrl || !fresh || message.failedAt) return { told: false };
    await repos.jobs.enqueue(
      jobRequest('notify.respond', { url: message.responseUrl, message: answer }, `slack-failed-${id}`),
    );
    return { told: true };
  },
});

/**
 * Takes a Slack message's lease for one job. Answers `busy` while another job holds it. When the
 * message is yet to be posted, the attempt is marked uncertain until it reports back (a crash in
 * between leaves the mark, and the next attempt looks in the channel first); `wasUncertain` says
 * whether an earlier attempt left such a mark.
 */
export const leaseSlackMessage = defineCommand({
  name: 'leaseSlackMessage',
  summary: 'Take the lease of a Slack message for one delivery job (workers only)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ id: z.int().positive(), owner: z.string().min(1), ms: z.int().min(1_000) }),
  async run({ repos }, { id, owner, ms }) {
    const message = await repos.slackMessages.findById(id, { lock: true });
    if (!message) return { status: 'missing' as const };
    if (message.leaseActive && message.leaseOwner !== owner) return { status: 'busy' as const, message };
    const posting = message.kind !== 'upload' && message.ts === null;
    const leased = await repos.slackMessages.update(id, {
      lease: { owner, ms },
      ...(posting ? { uncertainSince: 'now' as const } : {}),
    });
    const parent = message.parentId ? await repos.slackMessages.findById(message.parentId) : null;
    return {
      status: 'leased' as const,
      message: leased,
      parent,
      wasUncertain: message.uncertainSince !== null,
    };
  },
});

/** Records what a delivery job did and gives the lease back. */
export const releaseSlackMessage = defineCommand({
  name: 'releaseSlackMessage',
  summary: 'Record the outcome of a Slack delivery and give the lease back (workers only)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({
    id: z.int().positive(),
    owner: z.string().min(1),
    ts: z.string().optional(),
    fileId: z.string().optional(),
    contentHash: z.string().optional(),
    posted: z.boolean().default(false),
    updated: z.boolean().default(false),
    /** The attempt certainly did not post (or its post is recorded): clear the uncertainty mark. */
    certain: z.boolean().default(true),
    /** Keep the lease (a multi-step upload records a step and goes on). */
    keepLease: z.boolean().default(false),
  }),
  async run({ repos }, input) {
    const message = await repos.slackMessages.findById(input.id, { lock: true });
    if (!message) return null;
    return repos.slackMessages.update(input.id, {
      ...(input.ts && !message.ts ? { ts: input.ts } : {}),
      ...(input.fileId ? { fileId: input.fileId } : {}),
      ...(input.contentHash ? { contentHash: input.contentHash } : {}),
      ...(input.posted && !message.postedAt ? { postedAt: 'now' as const, failure: null } : {}),
      ...(input.updated ? { updatedAt: 'now' as const } : {}),
      ...(input.certain ? { uncertainSince: null } : {}),
      ...(!input.keepLease && message.leaseOwner === input.owner ? { lease: null } : {}),
    });
  },
});

/**
 * Asks for an update of a build's Slack message, if it has one, for a change no event announces:
 * progress while units are generated (one `reason` per 10% step, so a step is updated once) or a
 * start that failed in the worker (the build is back to planned, with the reason).
 */
export const queueBuildMessageUpdate = defineCommand({
  name: 'queueBuildMessageUpdate',
  summary: "Ask for an update of a build's Slack message (workers only)",
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ buildId: z.int().positive(), reason: z.string().regex(/^[\w-]{1,60}$/) }),
  async run({ repos }, { buildId, reason }) {
    const build = await repos.builds.findById(buildId);
    const message = build ? await repos.slackMessages.findBySubject(slackSubjects.build(build.code)) : null;
    if (!message) return false;
    await repos.jobs.enqueue(messageJob(message, reason));
    return true;
  },
});

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
 * `labels.ready`. Builds and label runs from elsewhere are left alone.
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
