/** Process plumbing shared by the entry points: config errors, signals and graceful shutdown. */
import { hostname } from 'node:os';
import { ConfigError, loadConfig, type Config } from '../config/index.ts';
import { createLogger, logProcessEvents, type Logger } from '../logger.ts';

export function configOrExit(): Readonly<Config> {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${configErrorLine(error.message)}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

/**
 * The one line a configuration error is reported in, before there is a logger: a pino-shaped JSON
 * line (`fatal`) when the logs would be JSON — LOG_FORMAT=json, or no valid LOG_FORMAT and no
 * terminal, as the configuration decides —, else the plain text.
 */
export function configErrorLine(message: string, env: NodeJS.ProcessEnv = process.env): string {
  const format = env.LOG_FORMAT;
  const json = format === 'json' || (format !== 'pretty' && !process.stdout.isTTY);
  if (!json) return message;
  return JSON.stringify({
    level: 60,
    time: Date.now(),
    pid: process.pid,
    hostname: hostname(),
    msg: message,
  });
}

/**
 * Time allowed, beyond the grace period given to running jobs and requests, for what follows them:
 * stopping the relay, closing pools, the embedded PostgreSQL.
 */
export const SHUTDOWN_MARGIN_MS = 15_000;

/**
 * Runs `stop` once on SIGTERM/SIGINT and exits 0 when it resolves. A second signal exits at once; so
 * does `stop` outlasting `graceMs` plus {@link SHUTDOWN_MARGIN_MS}, so that a process manager never
 * has to resort to SIGKILL because of us — and a long configured grace is not cut short.
 */
export function onShutdown(log: Logger, graceMs: number, stop: () => Promise<void>): void {
  let stopping = false;
  const hardMs = graceMs + SHUTDOWN_MARGIN_MS;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal, graceMs, hardMs }, 'shutting down');
    setTimeout(() => {
      log.error({ hardMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, hardMs).unref();
    stop().then(
      () => {
        log.info('shut down');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/** The process's logger, which also reports the process's own warnings (see logProcessEvents). */
export function startupLogger(config: Readonly<Config>, name: string): Logger {
  const log = createLogger(config, name);
  logProcessEvents(log, config);
  return log;
}

export function fatal(log: Logger, error: unknown): void {
  log.fatal({ err: error }, 'could not start');
  // Give pino's transport a moment to flush before exiting.
  setTimeout(() => process.exit(1), 200);
}
