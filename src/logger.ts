/**
 * Logging: pino — readable lines in a terminal, JSON otherwise (one JSON object a line, nothing
 * else: see {@link logProcessEvents}). Every line written during a request's or a job's work carries
 * its `requestId` (and `job`, `jobId`), from src/request-context.ts, whichever module writes it.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { Config } from './config/index.ts';
import { currentWorkContext } from './request-context.ts';

export type { Logger };

/**
 * The work context's fields for a line. A request's completion line (written on the response's
 * `finish` or `close`) may be written outside the request's async context — a hang-up's `close`
 * comes from the socket —, so its id is read from the response it logs.
 */
function workFields(line: object): Record<string, string> {
  const fields: Record<string, string> = { ...currentWorkContext() };
  if (fields.requestId === undefined) {
    const id = (line as { res?: { req?: { id?: unknown } } }).res?.req?.id;
    if (typeof id === 'string' || typeof id === 'number') fields.requestId = String(id);
  }
  return fields;
}

/**
 * `stderr`: log there, keeping stdout for a command's output (the CLI). `destination`: write the
 * JSON lines there instead (tests capture them).
 */
export function createLogger(
  config: Pick<Config, 'log'>,
  name: string,
  options: { stderr?: boolean; destination?: DestinationStream } = {},
): Logger {
  const fd = options.stderr ? 2 : 1;
  const settings: LoggerOptions = {
    name,
    level: config.log.level,
    // Fields given to the call itself win over these (pino's default merge).
    mixin: workFields,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.token', '*.secret'],
      censor: '[redacted]',
    },
  };
  if (options.destination) return pino(settings, options.destination);
  if (config.log.format === 'pretty') {
    return pino({
      ...settings,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', destination: fd },
      },
    });
  }
  return pino(settings, pino.destination(fd));
}

/**
 * What the process itself reports goes through `log` too: Node's warnings (a deprecation, a
 * listener leak …), which its own printer would write to stderr as text with a stack. In JSON mode
 * an uncaught exception (or unhandled rejection) is logged as one `fatal` line before the process
 * exits 1, rather than printed raw by Node. Called once by each long-running entry point.
 */
export function logProcessEvents(log: Logger, config: Pick<Config, 'log'>): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => log.warn({ err: warning }, `${warning.name}: ${warning.message}`));
  if (config.log.format !== 'json') return;
  process.on('uncaughtException', (error, origin) => {
    log.fatal({ err: error, origin }, 'uncaught exception: exiting');
    process.exit(1);
  });
}
