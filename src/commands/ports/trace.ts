import type { PageRequest } from '../../domain/page.ts';
import type { ForwardTrace, LotSummary, TracedLot } from '../../domain/trace.ts';
import type { StockStatus } from '../../domain/types.ts';

export interface TraceFilter {
  statuses?: StockStatus[] | undefined;
  /** Only lots whose build started on or after / on or before these days (YYYY-MM-DD). */
  builtFrom?: string | undefined;
  builtTo?: string | undefined;
  unitsOnly?: boolean | undefined;
}

export interface TraceRepository {
  forward(lotId: number, filter: TraceFilter, page: PageRequest): Promise<ForwardTrace>;
  /**
   * Every lot a forward trace reaches, in id order, for reports: a chunk at a time (of `chunk` lots,
   * 2,000 unless told), read from one query as they are asked for.
   */
  forwardEach(lotId: number, filter: TraceFilter, chunk?: number): AsyncIterable<TracedLot[]>;
  lot(lotId: number): Promise<LotSummary | null>;
  build(
    buildId: number,
  ): Promise<{ code: string; projectName: string; startedAt: Date | null; completedAt: Date | null } | null>;
  /** What a build consumed, without the sub-assembly units it linked into its devices. */
  sharedComponents(buildId: number, limit: number): Promise<{ lot: LotSummary; quantity: number }[]>;
  /** Sub-assembly units a device holds now. */
  children(lotId: number): Promise<LotSummary[]>;
}
