/**
 * The operators' CLI: `buildtrace <command>`.
 *
 *   migrate                                   apply pending migrations
 *   token create --name NAME --role ROLE      create an API token (printed once)
 *   token list | token revoke --id ID
 *   import-bom --project CODE|NAME [--new-project] [--mpn-column COL]… [--supplier-column COL]…
 *              [--mode replace|merge] [--dry-run] FILE.csv
 *   seed-demo                                 demo parts, stock and a two-level BOM
 *   slack-user set --user U… --role ROLE [--name NAME] | slack-user list | slack-user remove --user U…
 *   doctor [--fix] [--json] [--no-invariants]  stranded work, broken rules, what waits for a person
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { execute } from '../commands/define.ts';
import { importBom, type BomImportReport } from '../commands/bom-import.ts';
import { seedDemo } from '../commands/seed-demo.ts';
import { listSlackUsers, removeSlackUser, setSlackUserRole } from '../commands/slack-users.ts';
import { createToken, listTokens, revokeToken } from '../commands/tokens.ts';
import { parseIdCode } from '../domain/id-code.ts';
import { DomainError, ValidationError } from '../domain/errors.ts';
import { SYSTEM_ACTOR } from '../domain/roles.ts';
import { loadConfig, ConfigError } from '../config/index.ts';
import { createLogger } from '../logger.ts';
import { migrateLatest } from '../db/migrate.ts';
import { bootstrap } from './bootstrap.ts';
import { inspectWork, reconcileWork } from '../commands/work.ts';
import type { StrandedReport } from '../commands/ports.ts';

type DoctorReport = Awaited<ReturnType<typeof inspectWork.run>>;

/** The BOM import's answer for a person at a terminal. */
function importText(report: BomImportReport, given: string): string {
  const project = report.project ? `${report.project.name} (${report.project.code})` : `${given} (new)`;
  const lines = [
    `${report.dryRun ? '[dry run] ' : ''}project ${project}${report.newProject && report.project ? ', created' : ''}: ` +
      `${report.matched.length} matched, ${report.created.length} created, ${report.rejected.length} rejected, ${report.skipped.length} skipped`,
  ];
  for (const r of report.rejected) lines.push(`  line ${r.line}: rejected — ${r.reason}`);
  for (const r of report.skipped) lines.push(`  line ${r.line}: skipped — ${r.reason}`);
  for (const r of report.warnings) lines.push(`  line ${r.line}: warning — ${r.reason}`);
  const missing = report.project?.bomIncomplete?.lines.length ?? 0;
  if (report.dryRun && report.rejected.length > 0)
    lines.push(`the BOM would be incomplete (${report.rejected.length} lines not imported)`);
  else if (!report.dryRun && missing > 0)
    lines.push(
      `the BOM of ${report.project!.code} is incomplete (${missing} lines not imported): builds are refused unless they accept it (acceptIncompleteBom)`,
    );
  return lines.join('\n');
}

/** The import's API words (fields, options) as the CLI's options, in an error for the terminal. */
function inCliWords(error: unknown): string | null {
  const words = (text: string) =>
    text
      .replace(/^(projectName|project)\b/, '--project')
      .replace(/^createProject\b/, '--new-project')
      .replace(/^mpnColumns(\.\d+)?/, '--mpn-column')
      .replace(/^supplierColumns(\.\d+)?/, '--supplier-column')
      .replace('set createProject: true', 'add --new-project')
      .replace('without createProject', 'without --new-project')
      .replace('with mpnColumns', 'with --mpn-column')
      .replace('give it as project', 'leave out --new-project');
  if (error instanceof ValidationError)
    return error.problems.map((p) => `${words(p.field)}: ${words(p.message)}`).join('; ');
  if (error instanceof DomainError) return words(error.message);
  return null;
}

/** The doctor's report for a person at a terminal. */
function doctorText(report: DoctorReport, pass: StrandedReport | null): string {
  const lines: string[] = [];
  if (pass)
    lines.push(
      pass.ran
        ? `reconciler pass: ${pass.stranded.length} stranded piece(s) of work acted on in ${pass.ms} ms`
        : 'reconciler pass: skipped, another process is reconciling right now',
    );
  const flight = Object.entries(report.inFlight)
    .map(([source, n]) => `${n} ${source.replace('_', ' ')}${n === 1 ? '' : 's'}`)
    .join(', ');
  lines.push(`in flight: ${flight}`);
  const stranded = report.stranded?.stranded ?? [];
  lines.push(`stranded (in flight without a live job): ${stranded.length}`);
  for (const w of stranded)
    lines.push(
      `  ✗ ${w.describe} — ${w.detail}; ${w.action === 'redrive' ? 'the reconciler hands it to a fresh job' : 'the reconciler settles it as failed'}`,
    );
  if (report.invariants) {
    lines.push('rules the data must keep:');
    for (const c of report.invariants)
      lines.push(
        c.violations === 0
          ? `  ✓ ${c.description}`
          : `  ✗ ${c.description}: ${c.violations > 1000 ? 'over 1000' : c.violations} broken (${c.examples.join(', ')})`,
      );
  }
  if (report.awaitingAction.length > 0) {
    lines.push('waiting for a person (retry or cancel):');
    for (const a of report.awaitingAction)
      lines.push(`  • ${a.describe}: ${a.reason ?? 'no reason recorded'}`);
  }
  if (report.recentActions.length > 0) {
    lines.push('recent reconciler actions:');
    for (const a of report.recentActions.slice(0, 10))
      lines.push(
        `  ${a.createdAt.toISOString()} ${a.action} ${a.subject} (${a.cause}${a.jobId ? ` → ${a.jobId}` : ''}) by ${a.actor}`,
      );
  }
  lines.push(report.problems === 0 ? 'no problems' : `${report.problems} problem(s)`);
  return lines.join('\n');
}

const USAGE = `usage: buildtrace <command>
  migrate                                    apply pending database migrations
  token create --name NAME --role viewer|operator|admin
  token list
  token revoke --id ID
  import-bom --project CODE|NAME [--new-project] [--mpn-column COL]… [--supplier-column COL]…
             [--mode replace|merge] [--dry-run] FILE.csv
                                             import a KiCad BOM into the project with that code or name;
                                             --new-project creates it. Exit code 0: all rows imported;
                                             1: refused, nothing changed; 2: imported, but rows were
                                             rejected: the BOM is recorded as incomplete
  seed-demo                                  demo parts, stock and a two-level BOM
  slack-user set --user U024BE7LH --role viewer|operator|admin [--name NAME]
  slack-user list
  slack-user remove --user U024BE7LH        back to the role unknown Slack users get
  doctor [--fix] [--json] [--no-invariants]  work in flight without a live job, the rules the data must
                                             keep, what waits for a person; --fix runs a reconciler pass
                                             first. Exit code 0: no problems, 1: problems found`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      user: { type: 'string' },
      role: { type: 'string' },
      id: { type: 'string' },
      project: { type: 'string' },
      mode: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'new-project': { type: 'boolean' },
      'mpn-column': { type: 'string', multiple: true },
      'supplier-column': { type: 'string', multiple: true },
      fix: { type: 'boolean' },
      json: { type: 'boolean' },
      'no-invariants': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, sub, ...rest] = positionals;
  if (!command || values.help) {
    console.log(USAGE);
    return command ? 0 : 64;
  }

  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const log = createLogger(config, 'cli', { stderr: true });
  const runtime = await bootstrap(config, log, {
    migrate: command !== 'migrate',
    applicationName: 'buildtrace-cli',
  });
  const deps = { uow: runtime.uow, services: runtime.services };
  const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));
  try {
    switch (command) {
      case 'migrate': {
        const applied = await migrateLatest(runtime.db);
        console.log(
          applied.length
            ? `applied ${applied.length} migration(s):\n  ${applied.join('\n  ')}`
            : 'already up to date',
        );
        return 0;
      }
      case 'token': {
        if (sub === 'create') {
          const token = await execute(deps, createToken, SYSTEM_ACTOR, {
            name: values.name,
            role: values.role,
          });
          console.log(
            `created token '${token.name}' (${token.role}); keep it safe, it is not shown again:\n${token.token}`,
          );
        } else if (sub === 'list')
          print((await execute(deps, listTokens, SYSTEM_ACTOR, { limit: 500 })).items);
        else if (sub === 'revoke') print(await execute(deps, revokeToken, SYSTEM_ACTOR, { id: values.id }));
        else {
          console.error(USAGE);
          return 64;
        }
        return 0;
      }
      case 'import-bom': {
        const file = sub ?? rest[0];
        if (!file || !values.project)
          throw ValidationError.field(values.project ? 'FILE' : '--project', 'is required');
        // A valid code names a project; anything else is a name (the command refuses a mistyped code).
        const isCode = parseIdCode(values.project).ok;
        const newProject = values['new-project'] ?? false;
        let report: BomImportReport;
        try {
          report = await execute(deps, importBom, SYSTEM_ACTOR, {
            ...(isCode && !newProject
              ? { project: values.project }
              : { projectName: values.project, createProject: newProject }),
            csv: await readFile(file, 'utf8'),
            mode: values.mode,
            // `--mpn-column MPN,LCSC` as well as `--mpn-column MPN --mpn-column LCSC`.
            mpnColumns: values['mpn-column']?.flatMap((c) => c.split(',')),
            supplierColumns: values['supplier-column']?.flatMap((c) => c.split(',')),
            dryRun: values['dry-run'] ?? false,
          });
        } catch (error) {
          const text = inCliWords(error);
          if (text === null) throw error;
          console.error(`error: ${text}`);
          return 1;
        }
        console.log(importText(report, values.project));
        return report.rejected.length > 0 ? 2 : 0;
      }
      case 'slack-user': {
        if (sub === 'set') {
          const user = await execute(deps, setSlackUserRole, SYSTEM_ACTOR, {
            user: values.user,
            role: values.role,
            ...(values.name !== undefined ? { name: values.name } : {}),
          });
          console.log(`Slack user ${user.userId} is now ${user.role}`);
        } else if (sub === 'list')
          print((await execute(deps, listSlackUsers, SYSTEM_ACTOR, { limit: 500 })).items);
        else if (sub === 'remove') {
          const user = await execute(deps, removeSlackUser, SYSTEM_ACTOR, { user: values.user });
          console.log(`Slack user ${user.userId} removed (was ${user.role})`);
        } else {
          console.error(USAGE);
          return 64;
        }
        return 0;
      }
      case 'seed-demo': {
        const result = await execute(deps, seedDemo, SYSTEM_ACTOR, {});
        console.log(
          result.created
            ? `demo data created: project '${result.project.name}' (${result.project.code}) with a sub-assembly 'Sensor module'`
            : `demo data already present: project '${result.project.name}' (${result.project.code})`,
        );
        return 0;
      }
      case 'doctor': {
        const options = { invariants: !values['no-invariants'] };
        const fixed = values.fix ? await execute(deps, reconcileWork, SYSTEM_ACTOR, options) : null;
        const report = fixed ?? (await execute(deps, inspectWork, SYSTEM_ACTOR, options));
        if (values.json) print(report);
        else console.log(doctorText(report, fixed?.pass ?? null));
        return report.problems === 0 ? 0 : 1;
      }
      default:
        console.error(`unknown command '${command}'\n${USAGE}`);
        return 64;
    }
  } finally {
    await runtime.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(error.message);
    else if (error instanceof ValidationError)
      console.error(`error: ${error.problems.map((p) => `${p.field} ${p.message}`).join('; ')}`);
    else if (error instanceof DomainError) console.error(`error: ${error.message}`);
    else console.error(error);
    process.exit(1);
  },
);
