/**
 * The reconciler: the database says what work is in flight (build operations, unit generation,
 * label runs, recalls, webhook deliveries, event fan-outs); the queue only carries it. On start-up
 * and every RECONCILE_INTERVAL_MS, one worker process (a PostgreSQL advisory lock picks it) compares
 * the two: work whose job is gone (lost with Redis, removed), failed for good (retries exhausted,
 * stalled too often) or ended without finishing it is handed to a fresh job while it makes
 * progress, and settled — failed with the reason, for a person to retry or cancel — when it does
 * not. Safe to run at any moment, any number of times: a redrive is taken under the subject's row
 * lock, checked against the carrier it replaces, and every job is idempotent.
 */
import pg from 'pg';
import { execute, type CommandDeps } from '../src/commands/define.ts';
import {
  WORK_SOURCES,
  type InFlightWork,
  type StrandedReport,
  type WorkInspector,
  type WorkSource,
} from '../src/commands/ports.ts';
import { recordWorkSettlement, redriveWork } from '../src/commands/work.ts';
import type { Actor } from '../src/domain/roles.ts';
import { decide, type CarrierState, type Decision } from '../src/domain/work.ts';
import type { Logger } from '../src/logger.ts';
import type { Metrics } from '../src/metrics.ts';
import { withTimeout } from '../src/timeout.ts';
import type { Queues } from '../src/queue/queues.ts';

/** The advisory lock that makes one reconciler run at a time across every process ('btrec'). */
const LOCK_KEY = 0x6274726563;
/** Subjects looked at per source and pass; the rest wait for the next pass. */
const PER_SOURCE = 500;
const RECONCILER: Actor = { name: 'reconciler', role: 'admin' };
/** The shortest time between two passes a poke may cause. */
const MIN_PASS_GAP_MS = 1_000;

/** Settles one piece of work through its job's settle hook (see `workers/index.ts`). */
export type SettleWork = (job: string, data: Record<string, unknown>, reason: string) => Promise<void>;

export interface ReconcilerOptions {
  deps: CommandDeps;
  databaseUrl: string;
  queues: Queues;
  log: Logger;
  metrics?: Metrics;
  settle: SettleWork;
  intervalMs: number;
  graceMs: number;
  maxRedrives: number;
}

/** One piece of work found without a live job, and what was (or would be) done. */
export interface Finding {
  subject: string;
  describe: string;
  source: WorkSource;
  job: string;
  carrierJobId: string;
  carrier: CarrierState;
  progress: number;
  redrivesWithoutProgress: number;
  since: Date;
  decision: Exclude<Decision, { action: 'leave' }>;
  /** What happened: done, or skipped because another process or person got there first. */
  outcome?: 'done' | 'skipped' | 'error';
  error?: string;
}

export interface PassReport {
  at: Date;
  /** False when another process held the lock and this one did nothing. */
  ran: boolean;
  inFlight: Record<WorkSource, number>;
  findings: Finding[];
  ms: number;
}

export class Reconciler {
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #lockClient: pg.Client | undefined;
  #lastPass: PassReport | undefined;

  constructor(private readonly options: ReconcilerOptions) {}

  get lastPass(): PassReport | undefined {
    return this.#lastPass;
  }

  /** Looks at every source without changing anything: what a pass would do now. */
  async inspect(): Promise<PassReport> {
    return this.#pass(false);
  }

  /**
   * One pass under the advisory lock: redrives and settles what it finds. Answers `ran: false` when
   * another process is reconciling.
   */
  async runOnce(): Promise<PassReport> {
    const client = await this.#lock();
    if (!client) {
      this.options.metrics?.reconcilerPasses.inc({ outcome: 'skipped' });
      return { at: new Date(), ran: false, inFlight: emptyCounts(), findings: [], ms: 0 };
    }
    try {
      const report = await this.#pass(true);
      this.#lastPass = report;
      this.options.metrics?.reconcilerPasses.inc({ outcome: 'done' });
      return report;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => this.#dropLockClient());
    }
  }

  /** Runs a pass now and then every interval, until `stop()`. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Asks for a pass soon (a job failed for good, a worker found stalled jobs). */
  poke(): void {
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    await this.#dropLockClient();
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (this.#running) {
      try {
        const report = await this.runOnce();
        failures = 0;
        if (report.findings.length > 0)
          this.options.log.warn(
            {
              findings: report.findings.map((f) => ({
                subject: f.subject,
                action: f.decision.action,
                cause: f.decision.cause,
                outcome: f.outcome,
              })),
            },
            `reconciler: ${report.findings.length} piece(s) of stranded work found`,
          );
      } catch (error) {
        failures++;
        this.options.metrics?.reconcilerPasses.inc({ outcome: 'error' });
        if (failures === 1 || failures % 20 === 0)
          this.options.log.warn({ err: error, failures }, 'reconciler pass failed; will try again');
      }
      if (!this.#running) break;
      // A poke (a job gave up) shortens the wait, but passes stay at least a second apart: jobs
      // failing by the hundred (the database down) must not turn the reconciler into a busy loop.
      const started = Date.now();
      let poked = false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.intervalMs);
        timer.unref();
        this.#wake = () => {
          poked = true;
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
      const rest = MIN_PASS_GAP_MS - (Date.now() - started);
      if (poked && this.#running && rest > 0) await new Promise((r) => setTimeout(r, rest).unref());
    }
  }

  /** The lock, on a connection of its own (a session lock dies with its process). */
  async #lock(): Promise<pg.Client | null> {
    if (!this.#lockClient) {
      const client = new pg.Client({
        connectionString: this.options.databaseUrl,
        application_name: 'buildtrace-reconciler',
      });
      client.on('error', () => {
        this.#lockClient = undefined;
      });
      await client.connect();
      this.#lockClient = client;
    }
    const client = this.#lockClient;
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
        LOCK_KEY,
      ]);
      return rows[0]?.locked ? client : null;
    } catch (error) {
      await this.#dropLockClient();
      throw error;
    }
  }

  async #dropLockClient(): Promise<void> {
    const client = this.#lockClient;
    this.#lockClient = undefined;
    await client?.end().catch(() => undefined);
  }

  async #pass(act: boolean): Promise<PassReport> {
    const t0 = performance.now();
    const { deps, maxRedrives, graceMs } = this.options;
    const inFlight = await deps.uow.read((repos) => repos.work.countInFlight());
    const olderThan = new Date(Date.now() - graceMs);
    const findings: Finding[] = [];
    for (const source of WORK_SOURCES) {
      if (inFlight[source] === 0) {
        this.options.metrics?.workStranded.set({ source }, 0);
        continue;
      }
      const items = await deps.uow.read((repos) =>
        repos.work.inFlight(source, { olderThan, limit: PER_SOURCE }),
      );
      let stranded = 0;
      for (const work of items) {
        if (work.awaitingHandover || !this.options.queues.knows(work.job)) continue;
        const carrier = await this.#carrier(work);
        const decision = decide(work, carrier, maxRedrives);
        if (decision.action === 'leave') continue;
        // The job may have finished the work between the two reads: look again before calling it
        // stranded (a pass acting on it re-checks under the subject's lock as well).
        const now = await deps.uow.read((repos) => repos.work.findInFlight(work.subject));
        if (!now || now.carrierJobId !== work.carrierJobId || now.progress !== work.progress) continue;
        stranded++;
        const finding: Finding = {
          subject: work.subject,
          describe: work.describe,
          source,
          job: work.job,
          carrierJobId: work.carrierJobId,
          carrier,
          progress: work.progress,
          redrivesWithoutProgress: work.redrivesWithoutProgress,
          since: work.since,
          decision,
        };
        if (act) await this.#act(work, finding);
        findings.push(finding);
      }
      this.options.metrics?.workStranded.set({ source }, stranded);
    }
    return { at: new Date(), ran: true, inFlight, findings, ms: Math.round(performance.now() - t0) };
  }

  /** The state of the subject's carrier, and of any other job carrying it (a manual redelivery). */
  async #carrier(work: InFlightWork): Promise<CarrierState> {
    if (!this.options.queues.knows(work.job)) return { live: false, state: 'missing' };
    // The queue the job catalogue (handed to Queues at bootstrap) puts the job on.
    const queue = this.options.queues.route(work.job).queue;
    const check = (id: string) =>
      withTimeout(this.options.queues.carrierState(queue, id), 10_000, 'the queue did not answer');
    const state = await check(work.carrierJobId);
    if (state.live) return state;
    for (const other of work.otherCarrierJobIds) {
      const alt = await check(other);
      if (alt.live) return alt;
    }
    return state;
  }

  async #act(work: InFlightWork, finding: Finding): Promise<void> {
    const { deps, log, metrics } = this.options;
    const decision = finding.decision;
    try {
      if (decision.action === 'redrive') {
        const done = await execute(deps, redriveWork, RECONCILER, {
          subject: work.subject,
          cause: decision.cause,
          detail: decision.detail,
          expectedCarrier: work.carrierJobId,
        });
        finding.outcome = done ? 'done' : 'skipped';
        if (done)
          log.warn(
            { subject: work.subject, job: done.jobId, replaces: work.carrierJobId, cause: decision.cause },
            `reconciler: ${work.describe}: ${decision.detail}; handed to a fresh job`,
          );
      } else {
        await this.options.settle(work.job, work.data, decision.reason);
        await execute(deps, recordWorkSettlement, RECONCILER, {
          subject: work.subject,
          job: work.job,
          cause: decision.cause,
          baseJobId: work.baseJobId,
          detail: decision.reason,
          progress: work.progress,
        });
        finding.outcome = 'done';
        log.error(
          { subject: work.subject, reason: decision.reason },
          `reconciler: ${work.describe}: settled as failed`,
        );
      }
      if (finding.outcome === 'done')
        metrics?.reconcilerActions.inc({
          source: work.source,
          action: decision.action,
          cause: decision.cause,
        });
    } catch (error) {
      finding.outcome = 'error';
      finding.error = error instanceof Error ? error.message : String(error);
      log.warn({ err: error, subject: work.subject }, 'reconciler could not act on stranded work');
    }
  }
}

function emptyCounts(): Record<WorkSource, number> {
  return Object.fromEntries(WORK_SOURCES.map((s) => [s, 0])) as Record<WorkSource, number>;
}

/** A pass as commands see it (`Services.work`). */
export function toStrandedReport(report: PassReport): StrandedReport {
  return {
    ran: report.ran,
    at: report.at,
    ms: report.ms,
    stranded: report.findings.map((f) => ({
      subject: f.subject,
      describe: f.describe,
      job: f.job,
      carrierJobId: f.carrierJobId,
      carrierState: f.carrier.state,
      carrierReason: !f.carrier.live ? (f.carrier.reason ?? null) : null,
      action: f.decision.action,
      cause: f.decision.cause,
      detail: f.decision.action === 'redrive' ? f.decision.detail : f.decision.reason,
      progress: f.progress,
      redrivesWithoutProgress: f.redrivesWithoutProgress,
      since: f.since,
      outcome: f.outcome ?? null,
    })),
  };
}

/** The reconciler behind `Services.work`. */
export function workInspector(reconciler: Reconciler): WorkInspector {
  return {
    inspect: async () => toStrandedReport(await reconciler.inspect()),
    reconcile: async () => toStrandedReport(await reconciler.runOnce()),
  };
}
