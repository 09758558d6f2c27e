import type { Lot, Part } from '../../domain/types.ts';

/** A lot found by search, with the name of its part (what a person recognises it by). */
export interface LotHit {
  lot: Lot;
  partName: string;
}

/** A part, project or location found by its name; `detail` is a part's MPN, else the description. */
export interface NamedHit {
  kind: 'part' | 'project' | 'location';
  code: string;
  name: string;
  detail: string | null;
}

/**
 * Reads for search; every method answers at most `limit` rows. Texts are matched as given (the
 * command decides what a text may be); wildcards in them are taken literally.
 */
export interface SearchRepository {
  /** Lots by ID code, by id, or devices by formatted serial (any case). */
  lots(filter: { codes?: string[]; ids?: number[]; serialLabel?: string }, limit: number): Promise<LotHit[]>;
  /** Lots whose supplier order is `order`, compared case-insensitively; newest first. */
  lotsBySupplierOrder(order: string, limit: number): Promise<LotHit[]>;
  /** Lots whose date code is exactly `dateCode`; newest first. */
  lotsByDateCode(dateCode: string, limit: number): Promise<LotHit[]>;
  /** Parts whose MPN starts with `prefix`, compared case-insensitively; shortest MPN first. */
  partsByMpnPrefix(prefix: string, limit: number): Promise<Part[]>;
  /**
   * Parts, projects and locations whose name contains `text`, compared case-insensitively; names
   * that start with it first, then shorter names.
   */
  byName(text: string, limit: number): Promise<NamedHit[]>;
}
