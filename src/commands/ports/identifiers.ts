import type { IdentifierLookup, LotIdentifier } from '../../domain/identifiers.ts';

export interface NewIdentifier {
  lotId: number;
  kind: string;
  /** Already normalized (`normalizeIdentifier`). */
  value: string;
  createdBy: string;
}

export interface IdentifierRepository {
  /**
   * Gives a device an identifier unless that (kind, value) is stored already (for this device or
   * another, also by a transaction committed meanwhile): answers the identifier now stored for
   * (kind, value), and whether this call stored it.
   */
  add(identifier: NewIdentifier): Promise<{ identifier: LotIdentifier; created: boolean }>;
  find(kind: string, value: string): Promise<LotIdentifier | null>;
  /** A device's identifiers, by kind then value. */
  listForLot(lotId: number): Promise<LotIdentifier[]>;
  remove(id: number): Promise<void>;
  /** Identifiers whose value is one looked for (among its kinds), at most `limit`. */
  search(lookups: IdentifierLookup[], limit: number): Promise<LotIdentifier[]>;
}
