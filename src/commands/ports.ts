/**
 * What the commands need from storage, as interfaces. `src/db` implements them with knex; commands
 * never see SQL. Every method runs inside the unit of work it was obtained from, so a command's
 * writes and the events they cause commit together or not at all.
 */
import type {
  Allocation,
  Build,
  BuildOperation,
  BuildOperationKind,
  BuildStatus,
  CandidateLot,
} from '../domain/builds.ts';
import type { DetectedType } from '../domain/attachments.ts';
import type { NewEvent, StoredEvent } from '../domain/events.ts';
import type { Page, PageRequest } from '../domain/page.ts';
import type { Role } from '../domain/roles.ts';
import type { HistoryEvent, HistoryKind } from '../domain/history.ts';
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
  BomIncomplete,
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
  buildId?: number | null | undefined;
}
/** Quantities change only through `StockMovements.move`. */
export interface LotPatch {
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
  /** A device's formatted serial (any case). */
  serialLabel?: string | undefined;
  /** Also lots of quantity 0 (consumed, fitted, emptied). */
  empty?: boolean | undefined;
}
export interface LotRepository {
  /** A lot with a quantity is inserted only inside `StockMovements.open`. */
  insert(lot: NewLot): Promise<Lot>;
  findById(id: number): Promise<Lot | null>;
  /** With `lock`, the row stays locked until the unit of work ends (SELECT … FOR UPDATE). */
  findByCode(code: string, options?: { lock?: boolean }): Promise<Lot | null>;
  /** Devices whose formatted serial is this one (any case): one, or several of different parts. */
  findBySerialLabel(label: string, options?: { lock?: boolean }): Promise<Lot[]>;
  statusBeforeQuarantine(id: number): Promise<StockStatus | null>;
  /** Lots a build produced (not tracked units) in a status. */
  producedBy(buildId: number, status: StockStatus): Promise<Lot[]>;
  update(id: number, patch: LotPatch): Promise<Lot>;
  list(filter: LotFilter, page: PageRequest): Promise<Page<Lot>>;
}

/** The stock ledger, read side: entries are written only through `StockMovements`. */
export interface LedgerRepository {
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
  findById(id: number): Promise<Project | null>;
  list(page: PageRequest): Promise<Page<Project>>;
  /**
   * Replaces every BOM line of the project. The BOM is recorded as complete unless `bomIncomplete`
   * says which lines are missing.
   */
  replaceLines(
    projectId: number,
    lines: NewBomLine[],
    bomIncomplete?: BomIncomplete | null,
  ): Promise<Project>;
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
  /** The events with these ids, in id order. */
  findByIds(ids: number[]): Promise<StoredEvent[]>;
  /** Every subscriber has taken these events. */
  markFannedOut(ids: number[]): Promise<void>;
  /** Their fan-out was given up (they wait for a person; `buildtrace doctor` lists them). */
  markFanoutFailed(ids: number[], error: string): Promise<void>;
}

export interface CodeDirectory {
  resolve(code: string): Promise<CodeTarget | null>;
}

export interface NewBuild {
  code: string;
  projectId: number;
  producedPartId: number;
  quantity: number;
  trackUnits: boolean;
  addStock: boolean;
  stages: string[];
  serialFormat: string | null;
  requestedLots: { lot: string }[];
  requestedPairing: { serial: number; units: string[] }[];
  locationCode: string | null;
  note: string | null;
  createdBy: string;
}

export interface BuildPatch {
  status?: BuildStatus;
  serialSeqStart?: number | null;
  unitsGenerated?: number;
  unitsCompleted?: number;
  unitsScrapped?: number;
  unitsCancelled?: number;
  startedAt?: 'now';
  completedAt?: 'now';
  cancelledAt?: 'now';
  startError?: Build['startError'];
  serialDate?: Date;
  blocked?: Build['blocked'];
}

export interface BuildFilter {
  projectId?: number | undefined;
  status?: BuildStatus | undefined;
  createdFrom?: string | undefined;
  createdTo?: string | undefined;
}

export interface Consumption {
  id: number;
  lotId: number;
  lotCode: string;
  partId: number;
  partCode: string;
  partName: string;
  quantity: number;
  returned: number;
  supplier: string | null;
  supplierOrder: string | null;
  dateCode: string | null;
  isUnit: boolean;
  /** The consumed lot's own serial and build, when it is a tracked sub-assembly unit. */
  serial: number | null;
  sourceBuildId: number | null;
  sourceBuildCode: string | null;
}

export interface BuildRepository {
  insert(build: NewBuild): Promise<Build>;
  findByCode(code: string, options?: { lock?: boolean }): Promise<Build | null>;
  findById(id: number, options?: { lock?: boolean }): Promise<Build | null>;
  update(id: number, patch: BuildPatch): Promise<Build>;
  completeStage(buildId: number, position: number, actor: string, comment: string | null): Promise<void>;
  list(filter: BuildFilter, page: PageRequest): Promise<Page<Build>>;

  insertOperation(op: {
    buildId: number;
    kind: BuildOperationKind;
    params: Record<string, unknown>;
    requestedBy: string;
  }): Promise<BuildOperation>;
  /** The queued operation a person requested (start, advance, complete, cancel), if any. */
  queuedOperation(buildId: number): Promise<BuildOperation | null>;
  /** The queued unit generation of a build, if any. */
  queuedGeneration(buildId: number): Promise<BuildOperation | null>;
  /** The build's newest operation of any kind. */
  latestOperation(buildId: number): Promise<BuildOperation | null>;
  /** The newest operation of a kind that did not fail. */
  lastOperation(buildId: number, kind: BuildOperationKind): Promise<BuildOperation | null>;
  findOperation(id: number, options?: { lock?: boolean }): Promise<BuildOperation | null>;
  finishOperation(
    id: number,
    outcome: { status: 'done'; result: Record<string, unknown> } | { status: 'failed'; error: string },
  ): Promise<BuildOperation>;
  listOperations(buildId: number): Promise<BuildOperation[]>;

  recordConsumptions(buildId: number, allocations: Allocation[]): Promise<void>;
  consumptions(buildId: number): Promise<Consumption[]>;
  addReturned(consumptionId: number, quantity: number): Promise<void>;
  /** Reserves `n` consecutive values of the part's serial counter; returns the first. */
  reserveSerials(partId: number, n: number): Promise<number>;
}

/** Why a stock move happens, as its ledger entry records it. */
export interface LedgerEntryInfo {
  reason: LedgerReason;
  note?: string | null | undefined;
  actor: string;
  buildId?: number | null | undefined;
}

/** One quantity change of one lot: positive into the lot, negative out of it. */
export interface StockMove extends LedgerEntryInfo {
  lotId: number;
  delta: number;
}

/** A build's hold on component stock between its acceptance and its start. */
export interface StockReservation {
  lotId: number;
  lotCode: string;
  partId: number;
  quantity: number;
}

/**
 * The one door through which stock moves: every quantity change is a ledger entry, and the database
 * refuses any other way (lots.quantity follows the ledger by trigger; see the migration
 * `make_lot_quantity_follow_the_ledger`). Reservations hold stock for accepted builds.
 */
export interface StockMovements {
  /**
   * Lots that can be consumed, locked until the unit of work ends, per part in FIFO order (oldest
   * first; expired lots excluded), with the quantity not reserved by other builds. With `lotIds`,
   * only those lots, in the given order.
   */
  candidates(partIds: number[], lotIds?: number[]): Promise<Map<number, CandidateLot[]>>;
  /**
   * Moves quantities in and out of existing lots (a lot may appear more than once; moves apply in
   * order) and writes their ledger entries; answers each lot's quantity afterwards. A move that
   * would take a lot below zero, or below what builds have reserved of it, is refused.
   */
  move(moves: StockMove[]): Promise<Map<number, number>>;
  /**
   * Runs `insert`, which inserts lots with their opening quantities (a receipt, a split, units a
   * build produced): each gets its opening ledger entry with `entry`'s reason. A lot inserted with a
   * quantity anywhere else is refused by the database.
   */
  open<T>(entry: LedgerEntryInfo, insert: () => Promise<T>): Promise<T>;
  /** Holds quantities of lots for a build until it starts or is cancelled. */
  reserve(buildId: number, allocations: Allocation[]): Promise<void>;
  /** Ends a build's reservations; answers what they were. */
  release(buildId: number): Promise<StockReservation[]>;
  reservations(buildId: number): Promise<StockReservation[]>;
}

export interface NewUnit {
  serial: number;
  code: string;
  serialLabel: string | null;
}

export interface UnitFilter {
  status?: StockStatus | undefined;
  serials?: number[] | undefined;
}

export interface UnitRepository {
  /**
   * Inserts single-unit lots and their links to the sub-assembly units they contain, in one
   * statement; returns how many were inserted. Run it inside `StockMovements.open`, which writes
   * their opening ledger entries.
   */
  insertUnits(input: {
    buildId: number;
    partId: number;
    locationId: number | null;
    status: StockStatus;
    units: NewUnit[];
    links: { serial: number; childLotIds: number[]; childBuildIds: (number | null)[] }[];
  }): Promise<number>;
  /** Moves units (all, or the given serials) from one status to another; returns the serials moved. */
  changeStatus(buildId: number, from: StockStatus, to: StockStatus, serials?: number[]): Promise<number[]>;
  /**
   * Moves units still in stock (quantity 1) from one of `from` to `to` (scrapped, cancelled); a
   * quarantined unit only if it was quarantined from one of `quarantinedFrom` (when given). Answers
   * which, in serial order, with the status each left (and for a quarantined one, the status before
   * its quarantine). The caller takes them out of stock through `StockMovements.move`.
   */
  writeOff(
    buildId: number,
    options: { from: StockStatus[]; to: StockStatus; serials?: number[]; quarantinedFrom?: StockStatus[] },
  ): Promise<WrittenOffUnit[]>;
  /** The status of each of these serials of a build that exists. */
  statuses(buildId: number, serials: number[]): Promise<Map<number, StockStatus>>;
  /** These units of a build, as lots, in serial order (those that exist). */
  findBySerials(buildId: number, serials: number[]): Promise<Lot[]>;
  /** Of these formatted serials of a part, those a unit already has (at most `limit`), with its build. */
  takenSerialLabels(
    partId: number,
    labels: string[],
    limit: number,
  ): Promise<{ label: string; build: string | null }[]>;
  /** Ends the links between these (written-off) devices and their children; returns how many. */
  unlinkChildren(parentLotIds: number[], reason: string): Promise<number>;
  /** Consumed sub-assembly units of a build that no device holds (any more), not yet given back. */
  unheldConsumedUnits(buildId: number): Promise<{ consumptionId: number; lotId: number }[]>;
  findBySerial(buildId: number, serial: number): Promise<Lot | null>;
  list(
    buildId: number,
    filter: UnitFilter,
    page: PageRequest,
  ): Promise<Page<Lot & { serial: number; serialLabel: string | null }>>;
  countByStatus(buildId: number): Promise<Record<string, number>>;
}

export interface WrittenOffUnit {
  lotId: number;
  code: string;
  serial: number;
  /** The status the unit left. */
  from: StockStatus;
  /** For a unit that left `quarantined`: the status it had before its quarantine. */
  beforeQuarantine: StockStatus | null;
}

export interface TraceFilter {
  statuses?: StockStatus[] | undefined;
  /** Only lots whose build started on or after / on or before these days (YYYY-MM-DD). */
  builtFrom?: string | undefined;
  builtTo?: string | undefined;
  unitsOnly?: boolean | undefined;
}

export interface TracedLot {
  id: number;
  code: string;
  partCode: string;
  partName: string;
  status: StockStatus;
  quantity: number;
  serial: number | null;
  serialLabel: string | null;
  buildCode: string | null;
  locationCode: string | null;
  /** The customer of the device's latest shipment (not corrected), if it was ever shipped. */
  customer: string | null;
  /** Levels above the starting lot (1 = made directly from it). */
  depth: number;
}

export interface ForwardTrace {
  total: number;
  byStatus: Record<string, number>;
  builds: { code: string; projectName: string; depth: number; affected: number }[];
  page: Page<TracedLot>;
}

export interface LotSummary {
  id: number;
  code: string;
  partCode: string;
  partName: string;
  status: StockStatus;
  quantity: number;
  serial: number | null;
  serialLabel: string | null;
  supplier: string | null;
  supplierOrder: string | null;
  dateCode: string | null;
  buildId: number | null;
  buildCode: string | null;
}

export interface TraceRepository {
  forward(lotId: number, filter: TraceFilter, page: PageRequest): Promise<ForwardTrace>;
  /** Every lot a forward trace reaches, in id order, for reports (not paginated). */
  forwardAll(lotId: number, filter: TraceFilter): Promise<TracedLot[]>;
  lot(lotId: number): Promise<LotSummary | null>;
  build(
    buildId: number,
  ): Promise<{ code: string; projectName: string; startedAt: Date | null; completedAt: Date | null } | null>;
  /** What a build consumed, without the sub-assembly units it linked into its devices. */
  sharedComponents(buildId: number, limit: number): Promise<{ lot: LotSummary; quantity: number }[]>;
  /** Sub-assembly units a device holds now. */
  children(lotId: number): Promise<LotSummary[]>;
}

export interface Recall {
  id: number;
  lotId: number;
  lotCode: string;
  filter: { status?: string[]; from?: string; to?: string; unitsOnly?: boolean };
  reason: string;
  status: 'queued' | 'done' | 'failed';
  /** Why the report could not be written. */
  error: string | null;
  devices: number | null;
  fileKey: string | null;
  requestedBy: string;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface RecallRepository {
  insert(recall: {
    lotId: number;
    filter: Recall['filter'];
    reason: string;
    requestedBy: string;
  }): Promise<Recall>;
  findById(id: number, options?: { lock?: boolean }): Promise<Recall | null>;
  finish(id: number, outcome: { devices: number; fileKey: string }): Promise<Recall>;
  /** Marks a queued recall failed with the reason. */
  fail(id: number, error: string): Promise<Recall>;
  /** Puts a failed recall back in the queue (a retry). */
  requeue(id: number): Promise<Recall>;
  list(page: PageRequest): Promise<Page<Recall>>;
}

/** Where generated files (label PDFs, recall reports) and attachments are kept. */
export interface FileStore {
  /** Writes a file under `key` (replacing it), atomically: readers see the old or the new file. */
  put(
    key: string,
    data: Buffer | string | AsyncIterable<Uint8Array | string>,
  ): Promise<{ bytes: number; sha256: string }>;
  /** Opens a stored file for reading, or null if there is none. */
  open(
    key: string,
  ): Promise<{ stream: AsyncIterable<Uint8Array> & NodeJS.ReadableStream; bytes: number } | null>;
}

export interface JobOutbox {
  /**
   * Requests a job, handed to the queue after the unit of work commits. `jobId` makes the request
   * idempotent: the same id is only ever run once.
   */
  enqueue(job: {
    name: string;
    data: Record<string, unknown>;
    jobId: string;
    delayMs?: number;
  }): Promise<void>;
  /**
   * Like {@link enqueue}, and says whether this call requested it: false when a job with the same id
   * was requested before (by an earlier, committed unit of work — the outbox keeps its rows).
   */
  enqueueOnce(job: { name: string; data: Record<string, unknown>; jobId: string }): Promise<boolean>;
  /** Several requests in one statement. */
  enqueueMany(
    jobs: { name: string; data: Record<string, unknown>; jobId: string; delayMs?: number }[],
  ): Promise<void>;
}

/**
 * Work in flight: what the database says must still happen, whoever carries it. Each source names
 * a kind of subject whose row says it is not done; the job that should carry it is derived from the
 * subject (or the last redrive of it).
 */
export const WORK_SOURCES = [
  'build_operation',
  'label_run',
  'recall',
  'webhook_delivery',
  'event_fanout',
] as const;
export type WorkSource = (typeof WORK_SOURCES)[number];

export interface InFlightWork {
  source: WorkSource;
  /** `<source>:<key>`, e.g. `build_operation:12`. */
  subject: string;
  /** What it is, for people: `build 7K3M… generate (operation 12)`. */
  describe: string;
  /** The job (catalogue name) and data that carry it. */
  job: string;
  data: Record<string, unknown>;
  /** The job id the subject was given for its current step. */
  baseJobId: string;
  /** The job that carries it now: the base, or the newest redrive of that base. */
  carrierJobId: string;
  /** Other job ids that carry it as well (a manual webhook redelivery). */
  otherCarrierJobIds: string[];
  /** The carrier is still waiting in the outbox: the relay owns it, nothing to check. */
  awaitingHandover: boolean;
  /** How far it got (units generated, labels drawn, attempts made). */
  progress: number;
  /** Redrives of the current step made when it had already got this far (since a person's last retry). */
  redrivesWithoutProgress: number;
  /** Redrives of the current step. */
  redrives: number;
  since: Date;
}

export interface WorkAction {
  id: number;
  subject: string;
  job: string;
  action: 'redrive' | 'settle';
  cause: 'missing' | 'failed' | 'completed' | 'retry';
  baseJobId: string;
  jobId: string | null;
  detail: string | null;
  progress: number;
  actor: string;
  createdAt: Date;
}

/** A rule the data must keep, and the rows that break it. */
export interface InvariantCheck {
  name: string;
  description: string;
  violations: number;
  examples: string[];
}

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
  builds: BuildRepository;
  stock: StockMovements;
  units: UnitRepository;
  jobs: JobOutbox;
  trace: TraceRepository;
  files: FileStore;
  recalls: RecallRepository;
  labels: LabelRunRepository;
  webhooks: WebhookRepository;
  slackUsers: SlackUserRepository;
  slackMessages: SlackMessageRepository;
  history: HistoryRepository;
  tests: TestRepository;
  devices: DeviceRepository;
  attachments: AttachmentRepository;
  work: WorkRepository;
  /** Attachment bytes, content-addressed (local disk or S3). */
  blobs: BlobStore;
}

export interface UnitOfWork {
  /** Runs `work` in one transaction (retried on serialization failures); commits when it resolves. */
  transaction<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
  /** Runs `work` without a transaction, for reads. */
  read<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
}

/**
 * What a label run prints: a build's units (optionally some serial ranges; scrapped, cancelled and
 * disposed units only when `includeScrapped`), or lists of objects. Runs stored before ranges were
 * lists carry `serials: {first, last}`; the repository answers them as `ranges`.
 */
export type LabelSource =
  | {
      kind: 'build';
      buildId: number;
      buildCode: string;
      ranges?: { first: number; last: number }[];
      includeScrapped?: boolean;
    }
  | { kind: 'lots'; lotIds: number[] }
  | { kind: 'parts'; partIds: number[] }
  | { kind: 'locations'; locationIds: number[] };

export interface LabelRun {
  id: number;
  template: string;
  source: LabelSource;
  total: number;
  done: number;
  status: 'queued' | 'rendering' | 'done' | 'failed';
  fileKey: string | null;
  bytes: number | null;
  pages: number | null;
  error: string | null;
  requestedBy: string;
  /** Printer resolution the run renders at; null on runs requested before it could be chosen. */
  dpi: number | null;
  /** Where its 2D codes point (`<publicUrl>/id/<code>`); null on runs requested before it was kept. */
  publicUrl: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/** One label's data before the public URL is added. */
export interface LabelItem {
  key: number;
  code: string;
  title: string;
  serial?: number;
  formattedSerial?: string;
  buildCode?: string;
  date?: string;
  quantity?: number;
  supplier?: string;
  dateCode?: string;
}

export interface LabelRunRepository {
  insert(run: {
    template: string;
    source: LabelSource;
    total: number;
    requestedBy: string;
    dpi: number;
    publicUrl?: string | null;
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

export interface WebhookEndpoint {
  id: number;
  url: string;
  description: string | null;
  eventTypes: string[];
  /** Newest first. A rotated-out secret keeps signing until it expires. */
  secrets: { secret: string; expiresAt: string | null }[];
  status: 'active' | 'disabled';
  disabledReason: string | null;
  disabledAt: Date | null;
  failingSince: Date | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export type DeliveryStatus = 'pending' | 'retrying' | 'succeeded' | 'failed' | 'cancelled';

export interface WebhookDelivery {
  id: number;
  messageId: string;
  endpointId: number;
  eventId: number | null;
  eventType: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookAttemptRecord {
  number: number;
  manual: boolean;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  responseExcerpt: string | null;
  error: string | null;
  outcome: string;
}

/** A delivery with its endpoint, as an attempt starts. */
export interface DeliveryState {
  delivery: WebhookDelivery;
  endpoint: WebhookEndpoint;
}

/** One attempt to record, with the state its delivery moves to. */
export interface AttemptWrite {
  deliveryId: number;
  attempt: WebhookAttemptRecord;
  state: { status: DeliveryStatus; lastStatusCode: number | null; nextAttemptAt: Date | null };
}

/**
 * The delivery hot path's database round trips, shared by the `webhooks.deliver` jobs running at
 * once in one process: each call joins a batch that is one statement (a few ms of gathering).
 */
export interface DeliveryBatches {
  load(deliveryId: number): Promise<DeliveryState | null>;
  /**
   * Records an attempt that needs nothing else (no follow-up job, no endpoint change, no event):
   * one statement, atomic on its own. False when the attempt had been recorded already.
   */
  record(write: AttemptWrite): Promise<boolean>;
}

export interface WebhookRepository {
  insertEndpoint(e: {
    url: string;
    description: string | null;
    eventTypes: string[];
    secret: string;
    createdBy: string;
  }): Promise<WebhookEndpoint>;
  findEndpoint(id: number, options?: { lock?: boolean }): Promise<WebhookEndpoint | null>;
  updateEndpoint(
    id: number,
    patch: Partial<
      Pick<WebhookEndpoint, 'url' | 'description' | 'eventTypes' | 'secrets' | 'failingSince'>
    > & {
      status?: WebhookEndpoint['status'];
      disabledReason?: string | null;
    },
  ): Promise<WebhookEndpoint>;
  deleteEndpoint(id: number): Promise<void>;
  /**
   * Moves the endpoint's failure clock without locking it (deliveries to one endpoint run in
   * parallel): `since` starts it unless it is running already, null stops it.
   */
  setFailingSince(id: number, since: Date | null): Promise<void>;
  /** Disables an active endpoint; false when it was not active (someone else disabled it first). */
  disableIfActive(id: number, reason: string): Promise<boolean>;
  listEndpoints(page: PageRequest): Promise<Page<WebhookEndpoint>>;
  activeEndpoints(): Promise<WebhookEndpoint[]>;
  /** Inserts deliveries, skipping (endpoint, event) pairs that have one; returns the new ones' ids. */
  insertDeliveries(
    rows: { messageId: string; endpointId: number; eventId: number; eventType: string; body: string }[],
  ): Promise<number[]>;
  /** Inserts a delivery unless the endpoint already has one for the event; null when it had. */
  insertDelivery(d: {
    messageId: string;
    endpointId: number;
    eventId: number | null;
    eventType: string;
    body: string;
  }): Promise<WebhookDelivery | null>;
  findDelivery(id: number, options?: { lock?: boolean }): Promise<WebhookDelivery | null>;
  updateDelivery(
    id: number,
    patch: {
      status?: DeliveryStatus;
      attempts?: number;
      nextAttemptAt?: Date | null;
      lastStatusCode?: number | null;
    },
  ): Promise<WebhookDelivery>;
  listDeliveries(
    endpointId: number,
    filter: { status?: DeliveryStatus | undefined },
    page: PageRequest,
  ): Promise<Page<WebhookDelivery>>;
  /** Deliveries with their endpoints, in one query (the start of every attempt); missing ids are absent. */
  deliveriesWithEndpoints(ids: number[]): Promise<Map<number, DeliveryState>>;
  /**
   * Records attempts and their deliveries' new states in one statement, skipping any attempt that
   * was recorded already (another run got there first). Delivery ids must be distinct. Returns the
   * ids of the deliveries whose attempt was recorded.
   */
  recordAttemptsOnce(writes: AttemptWrite[]): Promise<Set<number>>;
  attempts(deliveryId: number): Promise<WebhookAttemptRecord[]>;
}

/** Outside services commands may use (kept out of the repositories: they are not storage). */
export interface Services {
  /** Whether a webhook URL may be delivered to (scheme, and the addresses it resolves to). */
  checkWebhookUrl(url: string): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** The reconciler, seen from a command: what is stranded now, and a pass on request. */
  work?: WorkInspector;
  /** PUBLIC_URL of this process: where label runs requested here point their 2D codes. */
  publicUrl?: string;
}

/** One piece of work in flight without a live job, and what the reconciler does (or would do). */
export interface StrandedWork {
  subject: string;
  describe: string;
  job: string;
  carrierJobId: string;
  /** What the queue says of its job: missing, failed or completed. */
  carrierState: string;
  carrierReason: string | null;
  action: 'redrive' | 'settle';
  cause: 'missing' | 'failed' | 'completed';
  /** Why, in words. */
  detail: string;
  progress: number;
  redrivesWithoutProgress: number;
  since: Date;
  /** After a pass: whether it was done, or skipped because someone else got there first. */
  outcome: 'done' | 'skipped' | 'error' | null;
}

export interface StrandedReport {
  /** False when another process was reconciling and this pass did nothing. */
  ran: boolean;
  at: Date;
  ms: number;
  stranded: StrandedWork[];
}

export interface WorkInspector {
  /** Compares the work in flight with the queue now, changing nothing. */
  inspect(): Promise<StrandedReport>;
  /** Runs one reconciler pass now (redrives and settles). */
  reconcile(): Promise<StrandedReport>;
}

/** Receives every relayed event and writes its own follow-up work, idempotently. */
export interface EventSubscriber {
  name: string;
  /** A relayed batch of events, in one unit of work; idempotent per event. */
  handle(events: StoredEvent[], repos: Repositories, context: FanoutContext): Promise<unknown>;
}

/** What subscribers know of the deployment when they fan events out. */
export interface FanoutContext {
  /** PUBLIC_URL, against which links in event data are made absolute for receivers elsewhere. */
  publicUrl?: string;
}

/** A Slack user's buildtrace role (Slack user → actor `slack:<user id>`). */
export interface SlackUser {
  id: number;
  /** Slack's user ID, e.g. `U024BE7LH`. */
  userId: string;
  role: Role;
  /** Who this is, for people reading the list. */
  name: string | null;
  updatedBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface SlackUserRepository {
  /** Sets a Slack user's role (and name), adding the user when new. */
  upsert(user: {
    userId: string;
    role: Role;
    name?: string | null | undefined;
    updatedBy: string;
  }): Promise<SlackUser>;
  find(userId: string): Promise<SlackUser | null>;
  list(page: PageRequest): Promise<Page<SlackUser>>;
  /** Every Slack user with the admin role (they are told about problems that need an admin). */
  admins(): Promise<SlackUser[]>;
  /** Removes a user; null when there was none. */
  remove(userId: string): Promise<SlackUser | null>;
}

/** build = a build's message (posted, then updated) · reply = a thread reply · upload = a file. */
export type SlackMessageKind = 'build' | 'reply' | 'upload' | 'alert';

/** A message buildtrace posts to Slack, keyed by what it represents (its subject). */
export interface SlackMessage {
  id: number;
  /** e.g. `build:<code>`, `build:<code>:completed`, `labels:<run id>`. */
  subject: string;
  kind: SlackMessageKind;
  channel: string;
  buildId: number | null;
  labelRunId: number | null;
  /** The message a reply or upload is threaded under. */
  parentId: number | null;
  requestedBy: string;
  /** Slack's timestamp of the posted message: set once posted. */
  ts: string | null;
  /** The uploaded file (uploads): set once its bytes are on Slack. */
  fileId: string | null;
  /** Of the content last sent, so an unchanged rendering is not sent again. */
  contentHash: string | null;
  postedAt: Date | null;
  updatedAt: Date | null;
  leaseOwner: string | null;
  /** Whether the lease is still running (by the database's clock). */
  leaseActive: boolean;
  /** Set while an attempt's outcome is unknown: the next one looks in the channel before posting. */
  uncertainSince: Date | null;
  createdAt: Date;
  /** The response_url of the request that asked for it (Slack accepts it for 30 minutes). */
  responseUrl: string | null;
  /** When Slack refused it for good, and Slack's error code (`not_in_channel` …). */
  failedAt: Date | null;
  error: string | null;
}

/** How a build's message or a label PDF fared in Slack, as the API shows it. */
export interface SlackDelivery {
  channel: string;
  status: 'pending' | 'posted' | 'failed';
  /** Slack's error code when it refused (e.g. `not_in_channel`). */
  error: string | null;
  postedAt: Date | null;
  failedAt: Date | null;
}

export interface SlackMessagePatch {
  ts?: string | null;
  fileId?: string | null;
  contentHash?: string | null;
  postedAt?: 'now';
  updatedAt?: 'now';
  /** Takes the lease for `ms` (by the database's clock), or gives it back (null). */
  lease?: { owner: string; ms: number } | null;
  uncertainSince?: 'now' | null;
  /** Slack refused it for good (with its error code), or it was posted after all (null). */
  failure?: { error: string } | null;
}

export interface SlackMessageRepository {
  /** Records a message to post; when one with the subject exists, returns it unchanged. */
  insert(message: {
    subject: string;
    kind: SlackMessageKind;
    channel: string;
    buildId?: number | null | undefined;
    labelRunId?: number | null | undefined;
    parentId?: number | null | undefined;
    requestedBy: string;
    responseUrl?: string | null | undefined;
  }): Promise<SlackMessage>;
  findById(id: number, options?: { lock?: boolean }): Promise<SlackMessage | null>;
  findBySubject(subject: string): Promise<SlackMessage | null>;
  update(id: number, patch: SlackMessagePatch): Promise<SlackMessage>;
}

// ---------------------------------------------------------------------------------------------
// Device history, test stations, repairs and attachments

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

/** A lot inside a device: a component lot of its build or of a repair, or a sub-assembly unit. */
export interface DeviceComponent {
  lotId: number;
  code: string;
  partId: number;
  partCode: string;
  partName: string;
  isUnit: boolean;
  /** `build`: consumed by the device's build (shared by its units); `repair`: put in by a repair; `link`: a unit it holds. */
  source: 'build' | 'repair' | 'link';
}

export interface DeviceRepository {
  /**
   * Lots by ID code and units by build ID code and serial (keys `build/serial`), locked until the
   * unit of work ends when asked; missing ones are simply absent.
   */
  findLots(
    codes: string[],
    units: { build: string; serial: number }[],
    options: { lock: boolean },
  ): Promise<{ byCode: Map<string, Lot>; byUnit: Map<string, Lot> }>;
  /** The device a sub-assembly unit currently sits in, if any. */
  heldBy(lotId: number): Promise<{ id: number; code: string } | null>;
  /** What the device holds now: its build's component lots not taken out, lots put in by repairs, units linked. */
  components(deviceLotId: number): Promise<DeviceComponent[]>;
  /** Records one component change of a repair. */
  recordChange(change: {
    deviceLotId: number;
    historyEventId: number;
    partId: number;
    removedLotId: number | null;
    installedLotId: number | null;
    quantity: number;
    isUnit: boolean;
    designators: string[];
  }): Promise<void>;
  /** Ends the link between a device and a unit it holds; false if it held none. */
  unlinkUnit(deviceLotId: number, unitLotId: number, reason: string): Promise<boolean>;
  linkUnit(deviceLotId: number, unitLotId: number): Promise<void>;
  /** Lots put in by repairs that a device holds now, with the quantity and the repair event. */
  installed(deviceLotId: number): Promise<{ lotId: number; quantity: number; historyEventId: number }[]>;
  /** Lots of the device's build that repairs took out of it. */
  removed(deviceLotId: number): Promise<number[]>;
}

export type AttachmentTarget =
  | { kind: 'lot'; lotId: number; code: string }
  | { kind: 'build'; buildId: number; code: string }
  | { kind: 'event'; historyEventId: number; lotCode: string };

export interface Attachment {
  id: number;
  sha256: string;
  filename: string;
  mediaType: string;
  bytes: number;
  /** What it is attached to: `{ lot }`, `{ build }` or `{ event, lot }` (ID codes, event id). */
  target: { lot: string | null; build: string | null; event: number | null };
  note: string | null;
  uploadedBy: string;
  createdAt: Date;
}

export interface AttachmentRepository {
  /** Records a blob once; a second call for the same SHA-256 changes nothing. */
  saveBlob(blob: { sha256: string; bytes: number; mediaType: string }): Promise<void>;
  insert(attachment: {
    sha256: string;
    filename: string;
    mediaType: string;
    target: AttachmentTarget;
    note: string | null;
    uploadedBy: string;
  }): Promise<Attachment>;
  findById(id: number): Promise<Attachment | null>;
  /** A lot's attachments, and (with `includeEvents`) those on its history events. */
  listForLot(
    lotId: number,
    options: { includeEvents: boolean },
    page: PageRequest,
  ): Promise<Page<Attachment>>;
  listForBuild(buildId: number, page: PageRequest): Promise<Page<Attachment>>;
  /** Attachments of these history events, per event, oldest first. */
  forEvents(eventIds: number[]): Promise<Map<number, Attachment[]>>;
}

/** An upload written to the store's staging area, not yet under its SHA-256. */
export interface StagedBlob {
  /** Opaque staging name (hex). */
  id: string;
  sha256: string;
  bytes: number;
  /** The first bytes (for the text and `#!` rules). */
  head: Buffer;
  /** What file-type recognised in the whole staged file, or null. */
  detected: DetectedType | null;
}

/**
 * Content-addressed storage of attachment bytes: each file under its SHA-256, stored once, checked
 * against that SHA-256 whenever it is read. Local disk or any S3-compatible store.
 */
export interface BlobStore {
  readonly kind: 'local' | 's3';
  /** Streams an upload into staging, hashing it; throws FileTooLarge (keeping nothing) past `maxBytes`. */
  stage(source: AsyncIterable<Uint8Array>, options: { maxBytes: number }): Promise<StagedBlob>;
  /** Moves a staged upload under its SHA-256 (one copy however often it is stored). Idempotent. */
  commit(staged: StagedBlob): Promise<void>;
  /** Forgets a staged upload. */
  discard(staged: StagedBlob): Promise<void>;
  /**
   * Opens a blob for reading after checking its bytes against `sha256` (and size); throws
   * StoredFileDamaged when they do not match or the blob is gone. The stream re-checks while it reads.
   */
  open(sha256: string, bytes: number): Promise<{ stream: NodeJS.ReadableStream; bytes: number }>;
}
