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
    },
  ): Promise<LabelRun>;
  list(page: PageRequest): Promise<Page<LabelRun>>;
  /** How many labels a source names. */
  count(source: LabelSource): Promise<number>;
  /** The next `limit` items of a source after `afterKey` (serial or id order). */
  items(source: LabelSource, afterKey: number, limit: number): Promise<LabelItem[]>;
}
