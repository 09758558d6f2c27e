/**
 * What Slack listeners (and the worker running handed-over requests) are given: the commands'
 * dependencies, configuration, a logger and, in the web process, the queues.
 */
import type { CommandDeps } from '../commands/define.ts';
import type { Config } from '../config/index.ts';
import type { Logger } from '../logger.ts';
import type { Queues } from '../queue/queues.ts';

export interface SlackDeps extends CommandDeps {
  config: Readonly<Config>;
  log: Logger;
  /** The web process hands requests to the workers here (src/slack/answer.ts handOff). */
  queues?: Pick<Queues, 'addBulk'>;
}
