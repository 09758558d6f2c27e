/**
 * Work in flight, as storage and the reconciler report it: what the database says must still
 * happen, what stopped, and what was done about it. (The reconciler's rules are in `work.ts`.)
 */

/**
 * Each source names a kind of subject whose row says it is not done; the job that should carry it
 * is derived from the subject (or the last redrive of it).
 */
export const WORK_SOURCES = [
  'build_operation',
  'label_run',
  'recall',
  'webhook_delivery',
  'event_fanout',
] as const;
export type WorkSource = (typeof WORK_SOURCES)[number];

/** What the reconciler does with stranded work: hand it to a fresh job, or mark it failed. */
export const WORK_ACTIONS = ['redrive', 'settle'] as const;
export type WorkActionKind = (typeof WORK_ACTIONS)[number];

/** Why work is stranded: what the queue says of its job. */
export const STRANDED_CAUSES = ['missing', 'failed', 'completed'] as const;
/**
 * Why an action was taken: the work was stranded, a person retried it, a print job handed its run
 * on after its slice (`continue`), or a paused print run was resumed (`resume`).
 */
export const WORK_ACTION_CAUSES = [...STRANDED_CAUSES, 'retry', 'continue', 'resume'] as const;
export type WorkActionCause = (typeof WORK_ACTION_CAUSES)[number];

/** How a reconciler pass fared with one piece of stranded work. */
export const STRANDED_OUTCOMES = ['done', 'skipped', 'error'] as const;
export type StrandedOutcome = (typeof STRANDED_OUTCOMES)[number];

export interface InFlightWork {
  source: WorkSource;
  /** `<source>:<key>`, e.g. `build_operation:12`. */
  subject: string;
  /** What it is, for people: `build 7K3M… generate (operation 12)`. */
  describe: string;
  /** The job (catalogue name) and data that carry it. */
  job: string;
  data: Record<string, unknown>;
  /** The job id the subject was given for its current step. */
  baseJobId: string;
  /** The job that carries it now: the base, or the newest redrive of that base. */
  carrierJobId: string;
  /** Other job ids that carry it as well (a manual webhook redelivery). */
  otherCarrierJobIds: string[];
  /** The carrier is still waiting in the outbox: the relay owns it, nothing to check. */
  awaitingHandover: boolean;
  /** How far it got (units generated, labels drawn, attempts made). */
  progress: number;
  /** Redrives of the current step made when it had already got this far (since a person's last retry). */
  redrivesWithoutProgress: number;
  /** Redrives of the current step. */
  redrives: number;
  since: Date;
}

export interface WorkAction {
  id: number;
  subject: string;
  job: string;
  action: WorkActionKind;
  cause: WorkActionCause;
  baseJobId: string;
  jobId: string | null;
  detail: string | null;
  progress: number;
  actor: string;
  createdAt: Date;
}

/** A rule the data must keep, and the rows that break it. */
export interface InvariantCheck {
  name: string;
  description: string;
  violations: number;
  examples: string[];
}

/** One piece of work in flight without a live job, and what the reconciler does (or would do). */
export interface StrandedWork {
  subject: string;
  describe: string;
  job: string;
  carrierJobId: string;
  /** What the queue says of its job: missing, failed or completed. */
  carrierState: string;
  carrierReason: string | null;
  action: WorkActionKind;
  cause: (typeof STRANDED_CAUSES)[number];
  /** Why, in words. */
  detail: string;
  progress: number;
  redrivesWithoutProgress: number;
  since: Date;
  /** After a pass: whether it was done, or skipped because someone else got there first. */
  outcome: StrandedOutcome | null;
}

export interface StrandedReport {
  /** False when another process was reconciling and this pass did nothing. */
  ran: boolean;
  at: Date;
  ms: number;
  stranded: StrandedWork[];
}
