/**
 * What the commands need from storage, as interfaces. `src/db` implements them with knex; commands
 * never see SQL. Every method runs inside the unit of work it was obtained from, so a command's
 * writes and the events they cause commit together or not at all.
 */
import type { NewEvent, StoredEvent } from '../domain/events.ts';
import type { Page, PageRequest } from '../domain/page.ts';
import type { Role } from '../domain/roles.ts';
import type {
  CodeTarget,
  Fields,
  LedgerEntry,
  LedgerReason,
  Location,
  Lot,
  Part,
  PartKind,
  Project,
  StockStatus,
} from '../domain/types.ts';

export interface IdCodeAllocator {
  /** `n` fresh ID codes, unique across every kind of object. */
  allocate(n: number): Promise<string[]>;
}

export interface NewPart {
  code: string;
  name: string;
  kind: PartKind;
  description?: string | null | undefined;
  manufacturer?: string | null | undefined;
  mpn?: string | null | undefined;
  value?: string | null | undefined;
  footprint?: string | null | undefined;
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

export interface NewLocation {
  code: string;
  name: string;
  description?: string | null | undefined;
}
export interface LocationRepository {
  insert(location: NewLocation): Promise<Location>;
  update(id: number, patch: Partial<Omit<NewLocation, 'code'>>): Promise<Location>;
  delete(id: number): Promise<void>;
  findByCode(code: string): Promise<Location | null>;
  list(page: PageRequest): Promise<Page<Location>>;
}

export interface NewLot {
  code: string;
  partId: number;
  locationId: number | null;
  quantity: number;
  status: StockStatus;
  source: string;
  supplier?: string | null | undefined;
  supplierOrder?: string | null | undefined;
  dateCode?: string | null | undefined;
  expiresOn?: string | null | undefined;
  fields?: Fields | undefined;
  parentLotId?: number | null | undefined;
}
export interface LotPatch {
  quantity?: number;
  status?: StockStatus;
  statusBeforeQuarantine?: StockStatus | null;
  locationId?: number | null;
  supplier?: string | null | undefined;
  supplierOrder?: string | null | undefined;
  dateCode?: string | null | undefined;
  expiresOn?: string | null | undefined;
  fields?: Fields | undefined;
}
export interface LotFilter {
  partId?: number | undefined;
  locationId?: number | undefined;
  status?: StockStatus | undefined;
}
export interface LotRepository {
  insert(lot: NewLot): Promise<Lot>;
  /** With `lock`, the row stays locked until the unit of work ends (SELECT … FOR UPDATE). */
  findByCode(code: string, options?: { lock?: boolean }): Promise<Lot | null>;
  statusBeforeQuarantine(id: number): Promise<StockStatus | null>;
  update(id: number, patch: LotPatch): Promise<Lot>;
  list(filter: LotFilter, page: PageRequest): Promise<Page<Lot>>;
}

export interface NewLedgerEntry {
  lotId: number;
  delta: number;
  quantityAfter: number;
  reason: LedgerReason;
  note?: string | null | undefined;
  actor: string;
  buildId?: number | null | undefined;
}
export interface LedgerRepository {
  append(entry: NewLedgerEntry): Promise<void>;
  listForLot(lotId: number, page: PageRequest): Promise<Page<LedgerEntry>>;
}

export interface NewBomLine {
  partId: number;
  quantityPerUnit: number;
  designators: string[];
  note?: string | null | undefined;
}
export interface NewProject {
  code: string;
  name: string;
  description?: string | null | undefined;
  producesPartId: number;
  serialFormat?: string | null | undefined;
}
export interface ProjectRepository {
  insert(project: NewProject): Promise<Project>;
  update(id: number, patch: Partial<Omit<NewProject, 'code'>>): Promise<Project>;
  delete(id: number): Promise<void>;
  findByCode(code: string, options?: { lock?: boolean }): Promise<Project | null>;
  findByName(name: string): Promise<Project | null>;
  list(page: PageRequest): Promise<Page<Project>>;
  /** Replaces every BOM line of the project. */
  replaceLines(projectId: number, lines: NewBomLine[]): Promise<Project>;
  /** For every part some project produces: the parts its BOM consumes. */
  bomChildren(): Promise<Map<number, number[]>>;
}

export interface ApiToken {
  id: number;
  name: string;
  role: Role;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}
export interface TokenRepository {
  insert(token: { name: string; role: Role; hash: string; prefix: string }): Promise<ApiToken>;
  /** The active (not revoked) token with this hash; marks it used. */
  findActiveByHash(hash: string): Promise<ApiToken | null>;
  list(page: PageRequest): Promise<Page<ApiToken>>;
  revoke(id: number): Promise<ApiToken | null>;
}

export interface EventStore {
  /** Writes events in the current unit of work; they are relayed after it commits. */
  append(events: NewEvent[]): Promise<void>;
  findById(id: number): Promise<StoredEvent | null>;
}

export interface CodeDirectory {
  resolve(code: string): Promise<CodeTarget | null>;
}

/** Everything a command may touch, bound to one unit of work (one database transaction). */
export interface Repositories {
  idCodes: IdCodeAllocator;
  parts: PartRepository;
  locations: LocationRepository;
  lots: LotRepository;
  ledger: LedgerRepository;
  projects: ProjectRepository;
  tokens: TokenRepository;
  events: EventStore;
  codes: CodeDirectory;
}

export interface UnitOfWork {
  /** Runs `work` in one transaction (retried on serialization failures); commits when it resolves. */
  transaction<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
  /** Runs `work` without a transaction, for reads. */
  read<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
}
