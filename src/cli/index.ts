/** Every CLI command, in the order `buildtrace help` lists them. */
import { adminCommands } from './admin.ts';
import { buildCommands } from './builds.ts';
import { labelCommands } from './labels.ts';
import { lotCommands } from './lots.ts';
import { printerCommands } from './printers.ts';
import type { CliCommand } from './program.ts';
import { traceCommands } from './trace.ts';

export const CLI_COMMANDS: CliCommand[] = [
  ...adminCommands,
  ...buildCommands,
  ...labelCommands,
  ...lotCommands,
  ...printerCommands,
  ...traceCommands,
];
