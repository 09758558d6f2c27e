/** Logging: pino — readable lines in a terminal, JSON otherwise. */
import { pino, type Logger } from 'pino';
import type { Config } from './config/index.ts';

export type { Logger };

export function createLogger(config: Pick<Config, 'log'>, name: string): Logger {
  return pino({
    name,
    level: config.log.level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.token', '*.secret'],
      censor: '[redacted]',
    },
    ...(config.log.format === 'pretty'
      ? {
          transport: {
            target: 'pino-pretty',
            options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
          },
        }
      : {}),
  });
}
