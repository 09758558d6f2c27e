import type { StoredEvent } from '../../domain/events.ts';
import type { AttachmentRepository } from './attachments.ts';
import type { BuildRepository } from './builds.ts';
import type { CodeDirectory, IdCodeAllocator } from './codes.ts';
import type { DeviceRepository } from './devices.ts';
import type { EventStore } from './events.ts';
import type { BlobStore, FileStore } from './files.ts';
import type { HistoryRepository, TestRepository } from './history.ts';
import type { IdentifierRepository } from './identifiers.ts';
import type { JobOutbox } from './jobs.ts';
import type { LabelRunRepository } from './labels.ts';
import type { LocationRepository } from './locations.ts';
import type { LedgerRepository, LotRepository } from './lots.ts';
import type { PartRepository } from './parts.ts';
import type { PrinterRepository, PrintRecordRepository } from './printers.ts';
import type { ProjectRepository } from './projects.ts';
import type { RecallRepository } from './recalls.ts';
import type { RowLocks } from './rows.ts';
import type { SearchRepository } from './search.ts';
import type { ShipmentRepository } from './shipments.ts';
import type { SlackMessageRepository, SlackUserRepository } from './slack.ts';
import type { SessionRepository } from './sessions.ts';
import type { StockMovements } from './stock.ts';
import type { TokenRepository } from './tokens.ts';
import type { TraceRepository } from './trace.ts';
import type { UnitRepository } from './units.ts';
import type { WebhookRepository } from './webhooks.ts';
import type { WorkRepository } from './work.ts';

/** Everything a command may touch, bound to one unit of work (one database transaction). */
export interface Repositories {
  idCodes: IdCodeAllocator;
  parts: PartRepository;
  locations: LocationRepository;
  lots: LotRepository;
  ledger: LedgerRepository;
  projects: ProjectRepository;
  tokens: TokenRepository;
  /** Page sessions and the one-time sign-in links that start them. */
  sessions: SessionRepository;
  events: EventStore;
  codes: CodeDirectory;
  builds: BuildRepository;
  stock: StockMovements;
  units: UnitRepository;
  jobs: JobOutbox;
  trace: TraceRepository;
  files: FileStore;
  recalls: RecallRepository;
  shipments: ShipmentRepository;
  labels: LabelRunRepository;
  printers: PrinterRepository;
  /** Per-label print records of the runs sent to printers. */
  prints: PrintRecordRepository;
  webhooks: WebhookRepository;
  slackUsers: SlackUserRepository;
  slackMessages: SlackMessageRepository;
  history: HistoryRepository;
  tests: TestRepository;
  devices: DeviceRepository;
  attachments: AttachmentRepository;
  /** External identifiers of devices (MAC, IMEI …). */
  identifiers: IdentifierRepository;
  /** Reads that find things from a text (search). */
  search: SearchRepository;
  work: WorkRepository;
  /** Row locks for preconditions checked in the unit of work (If-Match). */
  rows: RowLocks;
  /** Attachment bytes, content-addressed (local disk or S3). */
  blobs: BlobStore;
}

export interface UnitOfWork {
  /** Runs `work` in one transaction (retried on serialization failures); commits when it resolves. */
  transaction<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
  /** Runs `work` without a transaction, for reads, on the primary. */
  read<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
  /**
   * Runs `work` as {@link read} does, on the read replica when one is configured and no further
   * behind than allowed (else, or when the replica fails it, on the primary): for reads whose answer
   * may be a little old. Absent: {@link read}.
   */
  readMayLag?<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
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
