/**
 * The bookkeeping that makes every Slack message posted once and then only updated: a delivery job
 * takes a message's lease, records what it did and gives the lease back; a message Slack refused for
 * good is recorded; a build's message is updated for changes no event announces.
 */
import { z } from 'zod';
import { defineCommand } from '../define.ts';
import { jobRequest } from '../jobs.ts';
import { RESPONSE_URL_LIFETIME_MS, messageJob, slackMessageOut, slackSubjects } from './shared.ts';

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
