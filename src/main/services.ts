/**
 * Starting the web server and the workers on a runtime, so each entry point (web, worker, all-in-one)
 * is a few lines of wiring. Each side loads its own modules when it starts: a worker process never
 * loads the HTTP app, Bolt or the pages, a web process never the job handlers (their libraries —
 * Bolt alone is ~40 MB — would be memory the process carries, and heap every full collection marks).
 */
import { createServer, type Server } from 'node:http';
import type { WorkerSet } from '../../workers/index.ts';
import { publicUrlWarning } from '../domain/labels.ts';
import { METRICS_CHALLENGE, metricsScrapeAllowed } from '../metrics.ts';
import { OutboxRelay } from '../queue/outbox-relay.ts';
import type { Reconciler } from '../../workers/reconciler.ts';
import { PrinterWatch } from '../../workers/printer-watch.ts';
import { PRINTER_DRIVERS } from '../printers/index.ts';
import { closeDeliveryAgents } from '../webhooks/deliver.ts';
import type { Runtime } from './bootstrap.ts';

export interface WebService {
  server: Server;
  url: string;
  /** Stops accepting connections and waits for open requests, up to `graceMs`, then cuts them. */
  close(graceMs?: number): Promise<void>;
}

export async function startWeb(
  runtime: Runtime,
  port = runtime.config.port,
  host = runtime.config.host,
): Promise<WebService> {
  // Slack: HTTP mode mounts its receiver at /slack (before the body parsers); Socket Mode connects out.
  const [{ createApp }, { createSlack }] = await Promise.all([
    import('../http/app.ts'),
    import('../slack/app.ts'),
  ]);
  const slack = createSlack(runtime);
  const app = createApp(runtime, {
    rawRouters: slack?.router ? [{ path: '/slack', router: slack.router }] : [],
  });
  const server = createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actualPort}`;
  runtime.log.info({ url, publicUrl: runtime.config.publicUrl }, 'web listening');
  const labelWarning = publicUrlWarning(runtime.config.publicUrl);
  if (labelWarning) runtime.log.warn({ publicUrl: runtime.config.publicUrl }, `PUBLIC_URL: ${labelWarning}`);
  // Socket Mode connects in the background (retrying while Slack is unreachable): the API is up meanwhile.
  slack?.start().catch((err: unknown) => runtime.log.error({ err }, 'Slack Socket Mode could not connect'));
  runtime.log.info(
    slack
      ? { slack: slack.mode, endpoint: slack.mode === 'http' ? '/slack/events' : undefined }
      : { slack: 'off' },
    slack
      ? 'Slack app ready'
      : 'Slack not configured (SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET or Socket Mode)',
  );
  return {
    server,
    url,
    async close(graceMs = runtime.config.shutdownGraceMs) {
      const closed = new Promise<void>((resolve) => {
        // Stop accepting first; requests in flight go on and are answered.
        server.close(() => resolve());
        // A keep-alive connection becomes idle once its request is answered: drop it then rather
        // than wait for the client to hang up. Whatever is still open when the grace ends is cut.
        const idle = setInterval(() => server.closeIdleConnections(), 100);
        const cut = setTimeout(() => {
          runtime.log.warn({ graceMs }, 'requests still open after the grace period; closing them');
          server.closeAllConnections();
        }, graceMs);
        server.once('close', () => {
          clearInterval(idle);
          clearTimeout(cut);
        });
      });
      await slack?.stop().catch((err: unknown) => runtime.log.warn({ err }, 'Slack did not stop cleanly'));
      await closed;
    },
  };
}

export interface WorkerService {
  workers: WorkerSet;
  relay: OutboxRelay;
  reconciler: Reconciler;
  printerWatch: PrinterWatch;
  close(graceMs?: number): Promise<void>;
}

export async function startWorker(runtime: Runtime): Promise<WorkerService> {
  const { buildRegistry, startWorkers } = await import('../../workers/index.ts');
  const registry = buildRegistry();
  const relay = new OutboxRelay({
    db: runtime.db,
    databaseUrl: runtime.databaseUrl,
    queues: runtime.queues,
    log: runtime.log,
  });
  await relay.start();
  const reconciler = runtime.reconciler;
  const printerWatch = new PrinterWatch({
    deps: { uow: runtime.uow, services: runtime.services },
    drivers: runtime.services.printers ?? PRINTER_DRIVERS,
    intervalMs: runtime.config.printing.watchMs,
    log: runtime.log,
  });
  const workers = startWorkers(runtime, { registry, onGaveUp: () => reconciler.poke() });
  // Work the queue lost while no worker ran (a Redis restart, jobs failed for good) is found at once.
  reconciler.start();
  printerWatch.start();
  runtime.log.info(
    {
      queues: workers.workers.map((w) => w.name),
      concurrency: runtime.config.workerConcurrency,
      webhookConcurrency: runtime.config.webhooks.concurrency,
      jobLockMs: runtime.config.jobLockMs,
      reconcileIntervalMs: runtime.config.reconciler.intervalMs,
    },
    'workers running',
  );
  return {
    workers,
    relay,
    reconciler,
    printerWatch,
    async close(graceMs = runtime.config.shutdownGraceMs) {
      await printerWatch.stop();
      await reconciler.stop();
      await relay.stop();
      await workers.close(graceMs);
      // The keep-alive sockets pooled for deliveries are closed rather than dropped at exit.
      closeDeliveryAgents();
    },
  };
}

/**
 * A worker process's own small HTTP server: /metrics for Prometheus, /healthz and /readyz for the
 * process manager. (The web process serves the same on its port.)
 */
export async function startMetricsServer(
  runtime: Runtime,
  port = runtime.config.metricsPort,
): Promise<{ close(): Promise<void> } | null> {
  if (port === 0) return null;
  const server = createServer(async (req, res) => {
    try {
      if (
        req.url === '/metrics' &&
        !metricsScrapeAllowed(req.headers.authorization, runtime.config.metricsToken)
      ) {
        res
          .writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': METRICS_CHALLENGE })
          .end('metrics need Authorization: Bearer <METRICS_TOKEN>\n');
      } else if (req.url === '/metrics') {
        res.writeHead(200, { 'content-type': runtime.metrics.registry.contentType });
        res.end(await runtime.metrics.registry.metrics());
      } else if (req.url === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      } else if (req.url === '/readyz') {
        const ok = await Promise.all([runtime.db.raw('select 1'), runtime.queues.backend.ping()]).then(
          () => true,
          () => false,
        );
        res
          .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: ok ? 'ready' : 'not ready' }));
      } else {
        res.writeHead(404).end();
      }
    } catch {
      res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, runtime.config.host, () => resolve());
  });
  runtime.log.info({ port }, 'worker metrics and health listening');
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Scrapes and probes are quick and repeatable: no reason to wait for a keep-alive client.
        server.closeAllConnections();
      }),
  };
}
