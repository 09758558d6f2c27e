/** Bolt and the Slack Web API client log through pino, like the rest of the process. */
import { LogLevel, type Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from '../logger.ts';

const text = (parts: unknown[]) =>
  parts
    .map((p) => (typeof p === 'string' ? p : p instanceof Error ? p.message : JSON.stringify(p)))
    .join(' ');

export function slackLogger(log: Logger): SlackLogger {
  let level = LogLevel.INFO;
  return {
    debug: (...m: unknown[]) => log.debug(text(m)),
    // Bolt's info lines (connections, acks) are routine for us.
    info: (...m: unknown[]) => log.debug(text(m)),
    warn: (...m: unknown[]) => log.warn(text(m)),
    error: (...m: unknown[]) => log.error(text(m)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
