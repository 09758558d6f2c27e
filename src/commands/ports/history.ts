import type { HistoryEvent, HistoryKind } from '../../domain/history.ts';
import type { Page, PageRequest } from '../../domain/page.ts';

export interface NewHistoryRow {
  lotId: number;
  kind: HistoryKind;
  data: Record<string, unknown>;
  corrects?: number | null;
  /** Test results: the test's name and verdict (kept in columns for the required-test checks). */
  testName?: string | null;
  passed?: boolean | null;
}

export interface HistoryRepository {
  /** Appends events, in order, all by `actor`; returns them as stored. */
  append(actor: string, rows: NewHistoryRow[]): Promise<HistoryEvent[]>;
  findById(id: number): Promise<HistoryEvent | null>;
  list(
    lotId: number,
    filter: { kinds?: HistoryKind[] | undefined },
    page: PageRequest & { order: 'asc' | 'desc' },
  ): Promise<Page<HistoryEvent>>;
  /** Whether a repair or service (not corrected) was recorded after the lot's last `returned` event. */
  repairedSinceReturn(lotId: number): Promise<boolean>;
}

export interface TestRepository {
  /** A project's required tests, in order. */
  required(projectId: number): Promise<string[]>;
  replaceRequired(projectId: number, names: string[]): Promise<string[]>;
  /** For each lot made by a build: the required tests of that build's project (lots without any are left out). */
  requiredForLots(lotIds: number[]): Promise<Map<number, string[]>>;
  /**
   * Units of a build (in production; optionally only these serials) whose latest uncorrected result
   * of some required test is missing or a failure, with those tests, in serial order.
   */
  missingRequired(
    buildId: number,
    serials?: number[],
  ): Promise<{ lotId: number; code: string; serial: number; missing: string[] }[]>;
}
