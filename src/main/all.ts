/**
 * Entry point for `npm start`: the whole system in one process — migrations, web and workers. With
 * neither DATABASE_URL nor REDIS_URL it runs on an embedded PostgreSQL with BullMQ's PostgreSQL
 * backend, so a fresh machine needs nothing but Node.js.
 */
import { bootstrap } from './bootstrap.ts';
import { configOrExit, fatal, onShutdown, startupLogger } from './process.ts';
import { startWeb, startWorker } from './services.ts';

const config = configOrExit();
const log = startupLogger(config, 'buildtrace');
try {
  const runtime = await bootstrap(config, log, {
    migrate: true,
    applicationName: 'buildtrace',
    readReplica: true,
  });
  const worker = await startWorker(runtime);
  const web = await startWeb(runtime);
  log.info(
    `buildtrace is up: API ${config.publicUrl}/api/v1 · reference ${config.publicUrl}/api/v1/docs/ · create a token with: ./bin/buildtrace token create --name me --role admin`,
  );
  onShutdown(log, config.shutdownGraceMs, async () => {
    // Both drain at once, each within the grace: requests only write to the outbox, which the next
    // process relays.
    await Promise.all([web.close(), worker.close()]);
    await runtime.close();
  });
} catch (error) {
  fatal(log, error);
}
