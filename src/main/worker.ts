/** Entry point `worker`: BullMQ workers for every queue plus the outbox relay. Scale by running more. */
import { bootstrap } from './bootstrap.ts';
import { configOrExit, fatal, onShutdown, startupLogger } from './process.ts';
import { startMetricsServer, startWorker } from './services.ts';

const config = configOrExit();
const log = startupLogger(config, 'worker');
try {
  const runtime = await bootstrap(config, log, {
    migrate: !config.databaseUrl,
    applicationName: 'buildtrace-worker',
    readReplica: false,
  });
  const worker = await startWorker(runtime);
  const metrics = await startMetricsServer(runtime);
  onShutdown(log, config.shutdownGraceMs, async () => {
    await worker.close();
    await metrics?.close();
    await runtime.close();
  });
} catch (error) {
  fatal(log, error);
}
