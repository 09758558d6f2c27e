/**
 * What a running process holds: configuration, logger, database, unit of work and queue producers.
 * Built once by `src/main/bootstrap.ts`; transports and workers receive it.
 */
import type { Knex } from 'knex';
import type { BlobStore, DeliveryBatches, FileStore, Services, UnitOfWork } from './commands/ports.ts';
import type { Config } from './config/index.ts';
import type { ReadReplica } from './db/replica.ts';
import type { RateLimitStores } from './http/rate-limit-stores.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { Queues } from './queue/queues.ts';

export interface AppContext {
  config: Readonly<Config>;
  log: Logger;
  db: Knex;
  /** The URL actually in use (the embedded server's when DATABASE_URL is unset). */
  databaseUrl: string;
  /** `DATABASE_READ_URL`'s replica and how far behind it is (undefined: none configured). */
  replica: ReadReplica | undefined;
  uow: UnitOfWork;
  /** Shared round trips for the webhook deliveries running at once in this process. */
  deliveryBatches: DeliveryBatches;
  /** Generated files and attachments (STORAGE_DIR). */
  files: FileStore;
  /** Attachment bytes by SHA-256: local disk under STORAGE_DIR, or an S3-compatible bucket. */
  blobs: BlobStore;
  /** Outside services commands may use (webhook URL checks). */
  services: Services;
  queues: Queues;
  /** Where the rate limits count: the queue's Redis, or PostgreSQL without one (shared by all processes). */
  rateLimits: RateLimitStores;
  /** This process's Prometheus metrics. */
  metrics: Metrics;
}
