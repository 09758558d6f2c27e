/** What the Slack use cases share: message subjects, request fields and the message job. */
import { z } from 'zod';
import { jobRequest } from '../jobs.ts';
import type { SlackMessage } from '../ports.ts';

/** A Slack channel ID (a request's channel). */
export const channelId = z
  .string()
  .regex(/^[CGD][A-Z0-9]{2,30}$/, 'must be a Slack channel ID')
  .describe('Slack channel ID');

/** A response_url Slack gave with a request: answers to it are accepted for 30 minutes. */
export const responseUrl = z.url({ protocol: /^https?$/ }).max(2000);
/** How long after a request its response_url may still be used (Slack: 30 min). */
export const RESPONSE_URL_LIFETIME_MS = 29 * 60_000;

/** Subjects of the messages buildtrace posts. */
export const slackSubjects = {
  build: (code: string) => `build:${code}`,
  buildOutcome: (code: string, outcome: 'completed' | 'cancelled') => `build:${code}:${outcome}`,
  labels: (runId: number) => `labels:${runId}`,
  /** A print run's message (posted, then updated on every print event of the run). */
  printRun: (runId: number) => `print:${runId}`,
  /** A reply under a print run's message (or its build's): the run paused (one per event). */
  printPaused: (runId: number, eventId: number) => `print:${runId}:paused:${eventId}`,
  /** A reply in a build's thread: one of its units was quarantined by a failed required test. */
  quarantined: (build: string, lot: string, historyEvent: number) =>
    `build:${build}:quarantined:${lot}:${historyEvent}`,
  /** A reply in a build's thread: a worker gave up on one of its operations (one per operation). */
  operationFailed: (build: string, operationId: number) => `build:${build}:failed:${operationId}`,
  /** A direct message to one admin about a disabled webhook endpoint (one per event and admin). */
  webhookDisabled: (endpointId: number, eventId: number, userId: string) =>
    `alert:webhook:${endpointId}:${eventId}:${userId}`,
};

/** The print run (and, for a pause notice, the `labels.paused` event) a `print:` subject names. */
export function printSubject(subject: string): { run: number; pausedEvent?: number } | null {
  const m = /^print:(\d+)(?::paused:(\d+))?$/.exec(subject);
  if (!m) return null;
  return { run: Number(m[1]), ...(m[2] ? { pausedEvent: Number(m[2]) } : {}) };
}

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

/** The `notify.message` job that posts or updates a message. */
export const messageJob = (message: SlackMessage, why: string) =>
  jobRequest('notify.message', { messageId: message.id }, `slack-message-${message.id}-${why}`);

/** A message as Slack takes it (text, blocks, how it is shown). */
export const slackMessageOut = z.object({
  text: z.string().max(40_000),
  blocks: z.array(z.record(z.string(), z.unknown())).max(50).optional(),
  response_type: z.enum(['ephemeral', 'in_channel']).optional(),
  replace_original: z.boolean().optional(),
});
