/** Entry point `web`: the HTTP API (and Slack endpoint, pages). Run `release` first for migrations. */
import { bootstrap } from './bootstrap.ts';
import { configOrExit, fatal, onShutdown, startupLogger } from './process.ts';
import { startWeb } from './services.ts';

const config = configOrExit();
const log = startupLogger(config, 'web');
try {
  // Without DATABASE_URL there is no release step to rely on: migrate here.
  const runtime = await bootstrap(config, log, {
    migrate: !config.databaseUrl,
    applicationName: 'buildtrace-web',
    readReplica: true,
  });
  const web = await startWeb(runtime);
  onShutdown(log, config.shutdownGraceMs, async () => {
    await web.close();
    await runtime.close();
  });
} catch (error) {
  fatal(log, error);
}
