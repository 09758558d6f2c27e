/** Logging: pino — readable lines in a terminal, JSON otherwise. */
import { pino, type Logger, type LoggerOptions } from 'pino';
import type { Config } from './config/index.ts';

export type { Logger };

/** `stderr`: log there, keeping stdout for a command's output (the CLI). */
export function createLogger(
  config: Pick<Config, 'log'>,
  name: string,
  options: { stderr?: boolean } = {},
): Logger {
  const fd = options.stderr ? 2 : 1;
  const settings: LoggerOptions = {
    name,
    level: config.log.level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.token', '*.secret'],
      censor: '[redacted]',
    },
  };
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
