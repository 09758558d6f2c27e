/**
 * Starting the web server and the workers on a runtime, so each entry point (web, worker, all-in-one)
 * is a few lines of wiring.
 */
import { createServer, type Server } from 'node:http';
import { buildRegistry, startWorkers, type WorkerSet } from '../../workers/index.ts';
import { createApp } from '../http/app.ts';
import { OutboxRelay } from '../queue/outbox-relay.ts';
import type { Runtime } from './bootstrap.ts';

export interface WebService {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startWeb(
  runtime: Runtime,
  port = runtime.config.port,
  host = runtime.config.host,
): Promise<WebService> {
  const app = createApp(runtime);
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
  return {
    server,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

export interface WorkerService {
  workers: WorkerSet;
  relay: OutboxRelay;
  close(graceMs?: number): Promise<void>;
}

export async function startWorker(runtime: Runtime): Promise<WorkerService> {
  const registry = buildRegistry();
  const relay = new OutboxRelay({
    db: runtime.db,
    databaseUrl: runtime.databaseUrl,
    queues: runtime.queues,
    log: runtime.log,
  });
  await relay.start();
  const workers = startWorkers(runtime, { registry });
  runtime.log.info(
    {
      queues: workers.workers.map((w) => w.name),
      concurrency: runtime.config.workerConcurrency,
      jobLockMs: runtime.config.jobLockMs,
    },
    'workers running',
  );
  return {
    workers,
    relay,
    async close(graceMs) {
      await relay.stop();
      await workers.close(graceMs);
    },
  };
}
