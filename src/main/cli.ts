/**
 * The operators' CLI: `buildtrace <command>` (`buildtrace help` lists them; src/cli/ holds the
 * commands and their grammar). This entry point parses, answers help and version without touching
 * the database, wires the runtime, runs the command and turns what went wrong into one line and an
 * exit code (src/cli/program.ts lists them). Output piped into `head` ends quietly.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_COMMANDS } from '../cli/index.ts';
import {
  EXIT,
  InputFileError,
  UsageError,
  helpText,
  optionName,
  parse,
  type CliContext,
} from '../cli/program.ts';
import { DomainError, ValidationError } from '../domain/errors.ts';
import { loadConfig, ConfigError } from '../config/index.ts';
import { createLogger, logProcessEvents } from '../logger.ts';
import { withRequestId } from '../request-context.ts';
import { migrateLatest } from '../db/migrate.ts';
import { bootstrap } from './bootstrap.ts';

const COMMANDS = CLI_COMMANDS;
/** sysexits' EX_CONFIG: the environment's configuration is wrong. */
const EXIT_CONFIG = 78;

/** package.json's version, found upwards from this file (sources or dist/). */
function version(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

const write = (text: string) => process.stdout.write(text);
const warn = (text: string) => process.stderr.write(`${text}\n`);

/** The person at the terminal, as the actor commands record (an admin: the CLI runs on the server). */
function cliActor() {
  let name = 'cli';
  try {
    name = `cli:${userInfo().username}`.slice(0, 100);
  } catch {
    // no user name (a container's numeric user): plain "cli"
  }
  return { name, role: 'admin' as const };
}

async function main(argv: string[]): Promise<number> {
  const invocation = parse(COMMANDS, argv);
  if ('version' in invocation) {
    write(`buildtrace ${version()}\n`);
    return EXIT.ok;
  }
  if ('help' in invocation) {
    write(`${helpText(COMMANDS, invocation.help)}\n`);
    return EXIT.ok;
  }
  const { command, values, args } = invocation;
  await command.check?.(values, args);
  const migrate = command.words[0] === 'migrate';
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const log = createLogger(config, 'cli', { stderr: true });
  // Node's warnings go through the logger (JSON in JSON mode), as in the server processes.
  logProcessEvents(log, config);
  const runtime = await bootstrap(config, log, {
    migrate: !migrate,
    applicationName: 'buildtrace-cli',
    readReplica: false,
    checkServerSettings: false,
  });
  try {
    if (migrate) {
      const applied = await migrateLatest(runtime.db);
      write(
        applied.length
          ? `applied ${applied.length} migration(s):\n  ${applied.join('\n  ')}\n`
          : 'already up to date\n',
      );
      return EXIT.ok;
    }
    const ctx: CliContext = {
      deps: { uow: runtime.uow, services: runtime.services },
      actor: cliActor(),
      out: { json: values.json === true, write },
      note: warn,
    };
    // One request id for the command's work: its log lines, its events and the jobs it queues.
    return await withRequestId(`cli-${randomUUID()}`, () => command.run(ctx, values, args));
  } finally {
    await runtime.close();
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** One line for the terminal and the exit code, for whatever `main` threw. */
function failure(error: unknown): [string, number] {
  if (error instanceof UsageError)
    return [`buildtrace: ${error.message} (see 'buildtrace help')`, EXIT.usage];
  if (error instanceof InputFileError) return [`error: ${error.message}`, EXIT.noInput];
  if (error instanceof ConfigError) return [error.message, EXIT_CONFIG];
  if (error instanceof ValidationError)
    return [
      `error: ${error.problems.map((p) => `${/^[A-Z-]/.test(p.field) ? p.field : optionName(p.field)}: ${p.message}`).join('; ')}`,
      EXIT.dataError,
    ];
  if (error instanceof DomainError) return [`error: ${error.message}`, EXIT.failed];
  const code = (error as { code?: string } | null)?.code;
  const nested = (error as { errors?: { code?: string; address?: string; port?: number }[] } | null)
    ?.errors?.[0];
  if (code && UNREACHABLE.has(code))
    return [
      `error: cannot reach ${nested?.address ? `${nested.address}:${nested.port}` : 'a service'} (${code}): is PostgreSQL (DATABASE_URL) or Redis (REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS) running?`,
      EXIT.unavailable,
    ];
  const message = error instanceof Error ? error.message : String(error);
  return [
    `error: ${message}${process.env.LOG_LEVEL === 'debug' ? '' : ' (LOG_LEVEL=debug shows where)'}`,
    EXIT.failed,
  ];
}

// Output piped into a reader that stops early (`| head`) ends the run quietly, as for other tools.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT.ok);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const [text, code] = failure(error);
    warn(text);
    if (process.env.LOG_LEVEL === 'debug' && error instanceof Error) warn(error.stack ?? '');
    process.exit(code);
  },
);
