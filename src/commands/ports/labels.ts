import type { LabelItem, LabelRun, LabelSource, LabelSymbol } from '../../domain/labels.ts';
import type { Page, PageRequest } from '../../domain/page.ts';

export interface LabelRunRepository {
  insert(run: {
    template: string;
    source: LabelSource;
    total: number;
    requestedBy: string;
    dpi: number;
    publicUrl?: string | null;
    printerId?: number | null;
    reprintOf?: number | null;
    reason?: string | null;
    trigger?: string | null;
    symbol?: LabelSymbol;
  }): Promise<LabelRun>;
  findById(id: number, options?: { lock?: boolean }): Promise<LabelRun | null>;
  update(
    id: number,
    patch: {
      status?: LabelRun['status'];
      done?: number;
      fileKey?: string;
      bytes?: number;
      pages?: number;
      error?: string | null;
      finished?: boolean;
      printed?: number;
      /** Sets (or, with null, clears) why the run is paused. */
      pause?: { state: string; reason: string } | null;
    },
  ): Promise<LabelRun>;
  list(page: PageRequest): Promise<Page<LabelRun>>;
  /**
   * Takes (or renews) the run's lease for `owner` for `ms`: one print job at a time sends a run's
   * labels. False when another owner holds an unexpired lease.
   */
  lease(id: number, owner: string, ms: number): Promise<boolean>;
  /** Print runs paused for a reason their printer fixes by itself, oldest first. */
  pausedPrintRuns(limit: number): Promise<LabelRun[]>;
  /** Gives the lease back (only `owner`'s). */
  releaseLease(id: number, owner: string): Promise<void>;
  /** How many labels a source names. */
  count(source: LabelSource): Promise<number>;
  /** The next `limit` items of a source after `afterKey` (serial or id order). */
  items(source: LabelSource, afterKey: number, limit: number): Promise<LabelItem[]>;
}
