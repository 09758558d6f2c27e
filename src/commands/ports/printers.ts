import type { LabelContent } from '../../domain/labels.ts';
import type { Page, PageRequest } from '../../domain/page.ts';
import type {
  AssignmentScope,
  BatchMark,
  Printer,
  PrinterAssignment,
  PrinterDriver,
  PrinterDriverName,
  PrinterStatus,
  PrintRecord,
} from '../../domain/printers.ts';

export interface PrinterFields {
  name: string;
  driver: PrinterDriverName;
  address: string;
  template: string;
  dpi: number;
  locationId: number | null;
  description: string | null;
  enabled: boolean;
}

export interface PrinterRepository {
  insert(printer: PrinterFields): Promise<Printer>;
  findById(id: number, options?: { lock?: boolean }): Promise<Printer | null>;
  /** By name, case-insensitively. */
  findByName(name: string): Promise<Printer | null>;
  list(page: PageRequest): Promise<Page<Printer>>;
  update(id: number, patch: Partial<PrinterFields>): Promise<Printer>;
  /** Records the status just read from the printer. */
  recordStatus(id: number, status: Pick<PrinterStatus, 'state' | 'message'>): Promise<void>;
  /** Deletes a printer no label run names; false (and nothing deleted) when one does. */
  delete(id: number): Promise<boolean>;
  /** Label runs on this printer that are not finished (queued, printing, paused). */
  countOpenRuns(id: number): Promise<number>;
  assignment(scope: AssignmentScope, scopeId: number): Promise<PrinterAssignment | null>;
  assign(assignment: Omit<PrinterAssignment, 'updatedAt'>): Promise<PrinterAssignment>;
  unassign(scope: AssignmentScope, scopeId: number): Promise<boolean>;
  assignmentsOf(printerId: number): Promise<PrinterAssignment[]>;
}

/** A batch as the print engine finds it again: where it starts, what was sent, the driver's mark. */
export interface OpenBatch {
  key: string;
  first: number;
  /** Labels of the batch still `sent` (neither confirmed nor known unprinted). */
  sent: number;
  /** Labels of the batch confirmed before (they are never sent again). */
  confirmed: number;
  mark: BatchMark;
}

/** The per-label print records of the runs sent to printers. */
export interface PrintRecordRepository {
  /** The last record created for a run: its seq and item key (0, 0 when none). */
  lastCreated(runId: number): Promise<{ seq: number; itemKey: number }>;
  /** Creates queued records; seqs continue from `lastCreated`. Existing seqs are left as they are. */
  create(runId: number, items: { seq: number; itemKey: number; content: LabelContent }[]): Promise<void>;
  /** The next `limit` queued records of a run in seq order, with their content. */
  nextQueued(runId: number, limit: number): Promise<{ seq: number; content: LabelContent }[]>;
  /** Opens a batch: records it with its mark, and marks its records sent; answers how many were queued. */
  openBatch(runId: number, batch: { key: string; seqs: number[]; mark: BatchMark }): Promise<number>;
  openBatches(runId: number): Promise<OpenBatch[]>;
  /**
   * Settles a batch: its first `printed` labels (counted from the batch's first seq) confirmed, the
   * next `held` left sent (the printer still holds them), the rest queued again to be sent anew.
   * Closes the batch when nothing of it is left sent. Answers how many records it confirmed now.
   */
  settleBatch(runId: number, key: string, printed: number, held: number): Promise<number>;
  /**
   * Settles the labels in doubt as a person says: those sent up to position `through` printed
   * (confirmed), the rest queued to be sent again; closes the open batches.
   */
  resolveOpen(runId: number, through: number): Promise<{ confirmed: number; requeued: number }>;
  /** The first and last position of the labels in doubt (sent, not confirmed), or null. */
  openRange(runId: number): Promise<{ first: number; last: number } | null>;
  /** Marks every record not confirmed failed (the run was cancelled or given up). */
  failUnconfirmed(runId: number): Promise<number>;
  /** Queues the records of a failed run again (a person retries it). */
  requeueFailed(runId: number): Promise<number>;
  countConfirmed(runId: number): Promise<number>;
  counts(runId: number): Promise<Record<PrintRecord['status'], number>>;
  list(runId: number, page: PageRequest & { status?: PrintRecord['status'] }): Promise<Page<PrintRecord>>;
  /** Contents of a run's records by seq (for a reprint). */
  contents(runId: number, seqs: number[]): Promise<{ seq: number; itemKey: number; content: LabelContent }[]>;
}

/** The printer drivers this process has, by name (`src/printers/`). */
export type PrinterDrivers = Record<PrinterDriverName, PrinterDriver>;
