/** Process plumbing shared by the entry points: config errors, signals and graceful shutdown. */
import { ConfigError, loadConfig, type Config } from '../config/index.ts';
import { createLogger, type Logger } from '../logger.ts';

export function configOrExit(): Readonly<Config> {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

/**
 * Runs `stop` once on SIGTERM/SIGINT; a second signal, or `stop` taking longer than `hardMs`, exits at
 * once.
 */
export function onShutdown(log: Logger, stop: () => Promise<void>, hardMs = 45_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, hardMs).unref();
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

export function startupLogger(config: Readonly<Config>, name: string): Logger {
  return createLogger(config, name);
}

export function fatal(log: Logger, error: unknown): void {
  log.fatal({ err: error }, 'could not start');
  // Give pino's transport a moment to flush before exiting.
  setTimeout(() => process.exit(1), 200);
}
