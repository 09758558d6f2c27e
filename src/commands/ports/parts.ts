import type { Page, PageRequest } from '../../domain/page.ts';
import type { Fields, Part, PartKind } from '../../domain/types.ts';

export interface NewPart {
  code: string;
  name: string;
  kind: PartKind;
  description?: string | null | undefined;
  manufacturer?: string | null | undefined;
  mpn?: string | null | undefined;
  value?: string | null | undefined;
  footprint?: string | null | undefined;
  /** GTIN-14, already checked and normalised. */
  gtin?: string | null | undefined;
  fields?: Fields | undefined;
}
export type PartPatch = Partial<Omit<NewPart, 'code'>>;

export interface PartRepository {
  insert(part: NewPart): Promise<Part>;
  update(id: number, patch: PartPatch): Promise<Part>;
  /** Throws ConflictError when stock, BOM lines or projects still refer to the part. */
  delete(id: number): Promise<void>;
  findByCode(code: string): Promise<Part | null>;
  /** Parts whose MPN equals one of `mpns`, compared case-insensitively. */
  findByMpns(mpns: string[]): Promise<Part[]>;
  list(
    filter: { kind?: PartKind | undefined; search?: string | undefined },
    page: PageRequest,
  ): Promise<Page<Part>>;
}
