/** What Slack listeners are given: the commands' dependencies, configuration and a logger. */
import type { CommandDeps } from '../commands/define.ts';
import type { Config } from '../config/index.ts';
import type { Logger } from '../logger.ts';

export interface SlackDeps extends CommandDeps {
  config: Readonly<Config>;
  log: Logger;
}
