/**
 * Composition root: turns a Config into an AppContext (database — external or embedded —, migrations,
 * queue backend) and knows how to take it down again. Here the job catalogue (workers/catalogue.ts)
 * is handed to the producers (`Queues`: the outbox relay, the Slack hand-over and the reconciler
 * route jobs through it) and its settle hooks to the reconciler.
 */
import type { Knex } from 'knex';
import type { Config } from '../config/index.ts';
import type { AppContext } from '../context.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../db/embedded.ts';
import { createDb } from '../db/knex.ts';
import { migrateLatest } from '../db/migrate.ts';
import { autovacuumWarning } from '../db/settings.ts';
import { createReadReplica } from '../db/replica.ts';
import { knexUnitOfWork } from '../db/unit-of-work.ts';
import type { Logger } from '../logger.ts';
import { createQueueBackend } from '../queue/backend.ts';
import { rateLimitCounts } from '../db/rate-limit-counts.ts';
import { postgresRateLimitStores, redisRateLimitStores } from '../http/rate-limit-stores.ts';
import { Queues } from '../queue/queues.ts';
import { describeRedis } from '../queue/redis.ts';
import { createMetrics } from '../metrics.ts';
import { localFileStore } from '../storage/local-files.ts';
import { blobStoreFor } from '../storage/blob-store.ts';
import { deliveryBatches } from '../db/delivery-batches.ts';
import { checkEndpointUrl } from '../webhooks/address-guard.ts';
import { Reconciler, workInspector, type SettleWork } from '../../workers/reconciler.ts';
import { PRINTER_DRIVERS } from '../printers/index.ts';
import { JOBS } from '../../workers/catalogue.ts';
import type { Services } from '../commands/ports.ts';

export interface Runtime extends AppContext {
  /**
   * Compares the work in flight with the queue: started in worker processes; elsewhere (web, CLI)
   * it only answers the doctor's questions and runs a pass when an admin asks.
   */
  reconciler: Reconciler;
  close(): Promise<void>;
}

/** The reconciler of an app context, settling through the worker registry's hooks. */
export function createReconciler(app: AppContext): Reconciler {
  // The job handlers (and their libraries) are loaded when something is first settled: a web
  // process, which only reconciles when asked, does not carry them.
  let settling: Promise<SettleWork> | undefined;
  const handlers = () =>
    (settling ??= import('../../workers/index.ts').then(
      (w) => w.settleWith(app, w.buildRegistry()),
      (error: unknown) => {
        settling = undefined;
        throw error;
      },
    ));
  const settle: SettleWork = async (job, data, reason) => (await handlers())(job, data, reason);
  return new Reconciler({
    deps: { uow: app.uow, services: app.services },
    databaseUrl: app.databaseUrl,
    queues: app.queues,
    log: app.log,
    metrics: app.metrics,
    settle,
    ...app.config.reconciler,
  });
}

export async function bootstrap(
  config: Readonly<Config>,
  log: Logger,
  options: {
    migrate: boolean;
    applicationName: string;
    /**
     * Whether this process opens `DATABASE_READ_URL` (when set): the processes that serve HTTP.
     * Workers and the CLI read only from the primary, and need neither its pool nor its watch.
     */
    readReplica: boolean;
    /**
     * Whether to warn about server settings that cost buildtrace dearly (autovacuum off): the
     * long-running processes do; the CLI, whose stderr is one line per answer, does not.
     */
    checkServerSettings?: boolean;
  },
): Promise<Runtime> {
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, log });
    databaseUrl = embedded.url;
  }
  const db = createDb({
    url: databaseUrl,
    poolMax: config.databasePoolMax,
    poolIdleMs: config.databasePoolIdleMs,
    applicationName: options.applicationName,
    log,
    preparedStatements: config.databasePreparedStatements,
  });
  try {
    if (options.migrate) {
      const applied = await migrateLatest(db);
      if (applied.length > 0) log.info({ applied }, 'migrations applied');
    }
  } catch (error) {
    await db.destroy();
    await embedded?.stop();
    throw error;
  }
  // In the background, and quiet when it cannot ask: a web or worker process starts (and waits to be
  // ready) while PostgreSQL is away.
  if (options.checkServerSettings !== false)
    void autovacuumWarning(db).then(
      (warning) => {
        if (warning) log.warn({ autovacuum: 'off' }, warning);
      },
      (error: unknown) => log.debug({ err: error }, 'could not read the server settings'),
    );
  const runtime = assembleRuntime(config, log, db, databaseUrl, options);
  log.info(
    {
      queueBackend: config.redis ? describeRedis(config.redis) : runtime.queues.backend.kind,
      database: embedded ? 'embedded' : 'external',
      readReplica: runtime.replica ? 'configured' : 'none',
    },
    'runtime ready',
  );
  return {
    ...runtime,
    async close() {
      await runtime.close();
      await embedded?.stop();
    },
  };
}

/**
 * The app context over an open (migrated) database: queue backend (Redis when the config names
 * one, else BullMQ's PostgreSQL backend in the same database), stores, services, metrics and the
 * reconciler (not started). What {@link bootstrap}, the test harness and the benches share; its
 * `close` stops the reconciler and closes the queues, the backend and the database.
 */
export function assembleRuntime(
  config: Readonly<Config>,
  log: Logger,
  db: Knex,
  databaseUrl: string,
  {
    applicationName = 'buildtrace',
    readReplica = true,
  }: { applicationName?: string; readReplica?: boolean } = {},
): Runtime {
  // Counts every process shares — rate limits, Slack requests seen — live where the queue does:
  // in its Redis, or without one in PostgreSQL.
  const counts = rateLimitCounts(db);
  const backend = createQueueBackend(
    config.redis
      ? { kind: 'redis', redis: config.redis, prefix: config.queuePrefix }
      : {
          kind: 'postgres',
          url: databaseUrl,
          claimOnce: async (key, ttlMs) => (await counts.hit(`claim:${key}`, ttlMs)).hits === 1,
        },
  );
  const rateLimits = config.redis
    ? redisRateLimitStores(config.redis, config.queuePrefix)
    : postgresRateLimitStores(counts);
  const queues = new Queues(backend, JOBS, config.jobs);
  const files = localFileStore(config.storageDir);
  const blobs = blobStoreFor(config);
  const replica =
    config.readReplica && readReplica
      ? createReadReplica({ ...config.readReplica, primary: db, log, applicationName })
      : undefined;
  const services: Services = {
    checkWebhookUrl: (url) => checkEndpointUrl(url, config.webhooks.allowList),
    publicUrl: config.publicUrl,
    printers: PRINTER_DRIVERS,
    // pdf-lib loads with the first packing list, not with every process.
    renderPackingList: async (list) => (await import('../labels/packing-list.ts')).renderPackingList(list),
  };
  const app: AppContext = {
    config,
    log,
    db,
    databaseUrl,
    replica,
    uow: knexUnitOfWork(db, files, blobs, replica),
    deliveryBatches: deliveryBatches(db),
    files,
    blobs,
    services,
    queues,
    rateLimits,
    metrics: createMetrics(queues, replica),
  };
  const reconciler = createReconciler(app);
  services.work = workInspector(reconciler);
  return {
    ...app,
    reconciler,
    async close() {
      await reconciler.stop();
      await queues.close();
      await backend.close();
      await replica?.close();
      await rateLimits.close();
      await db.destroy();
    },
  };
}
