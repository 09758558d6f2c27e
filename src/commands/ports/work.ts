import type {
  InFlightWork,
  InvariantCheck,
  StrandedReport,
  WorkAction,
  WorkSource,
} from '../../domain/work-types.ts';

export interface WorkRepository {
  /** Subjects of one source still in flight since before `olderThan`, oldest first. */
  inFlight(source: WorkSource, options: { olderThan: Date; limit: number }): Promise<InFlightWork[]>;
  /** One subject, re-read with its row locked; null when it is no longer in flight. */
  lockInFlight(subject: string): Promise<InFlightWork | null>;
  /** One subject as it is now, without a lock; null when it is no longer in flight. */
  findInFlight(subject: string): Promise<InFlightWork | null>;
  /** How many subjects of each source are in flight. */
  countInFlight(): Promise<Record<WorkSource, number>>;
  record(action: Omit<WorkAction, 'id' | 'createdAt'>): Promise<WorkAction>;
  recentActions(limit: number): Promise<WorkAction[]>;
  /** Checks the rules the database's rows must keep together (ledger, units, consumption, events). */
  checkInvariants(): Promise<InvariantCheck[]>;
  /** What stopped and waits for a person: blocked builds, failed label runs and recalls, given-up fan-outs. */
  awaitingAction(
    limit: number,
  ): Promise<{ subject: string; describe: string; reason: string; since: Date }[]>;
}

export interface WorkInspector {
  /** Compares the work in flight with the queue now, changing nothing. */
  inspect(): Promise<StrandedReport>;
  /** Runs one reconciler pass now (redrives and settles). */
  reconcile(): Promise<StrandedReport>;
}
