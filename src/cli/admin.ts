/**
 * The administrators' commands: migrations, API tokens, page sessions, BOM import, the demo data, Slack users and
 * the doctor. Like every CLI command, each runs the same command the API runs.
 */
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { execute } from '../commands/define.ts';
import { importBom, type BomImportReport } from '../commands/bom-import.ts';
import { seedDemo } from '../commands/seed-demo.ts';
import { listPageSessions, revokePageSession } from '../commands/sessions.ts';
import { listSlackUsers, removeSlackUser, setSlackUserRole } from '../commands/slack-users.ts';
import { createToken, listTokens, revokeToken } from '../commands/tokens.ts';
import { inspectWork, reconcileWork } from '../commands/work.ts';
import type { StrandedReport } from '../commands/ports.ts';
import { parseIdCode } from '../domain/id-code.ts';
import { DomainError, ValidationError } from '../domain/errors.ts';
import { SYSTEM_ACTOR } from '../domain/roles.ts';
import { printJson } from './output.ts';
import { EXIT, InputFileError, type CliCommand, type CliContext } from './program.ts';

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

const print = (ctx: CliContext, value: unknown) => printJson(ctx.out, value);
const line = (ctx: CliContext, text: string) => ctx.out.write(`${text}\n`);

async function readInput(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw unreadable(file, error);
  }
}

function unreadable(file: string, error: unknown): InputFileError {
  const code = (error as { code?: string }).code;
  const why =
    code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : (error as Error).message;
  return new InputFileError(`cannot read ${file}: ${why}`);
}

export const adminCommands: CliCommand[] = [
  {
    words: ['migrate'],
    summary: 'apply pending database migrations',
    // Run by the entry point itself (it must not migrate before it is asked to).
    run: () => Promise.resolve(EXIT.ok),
  },
  {
    words: ['token', 'create'],
    synopsis: '--name NAME --role viewer|operator|admin',
    summary: 'create an API token (printed once)',
    options: { name: { type: 'string' }, role: { type: 'string' } },
    async run(ctx, v) {
      const token = await execute(ctx.deps, createToken, SYSTEM_ACTOR, { name: v.name, role: v.role });
      if (ctx.out.json) print(ctx, { name: token.name, role: token.role, token: token.token });
      else
        line(
          ctx,
          `created token '${token.name}' (${token.role}); keep it safe, it is not shown again:\n${token.token}`,
        );
      return EXIT.ok;
    },
  },
  {
    words: ['token', 'list'],
    summary: 'API tokens (never their secrets)',
    async run(ctx) {
      print(ctx, (await execute(ctx.deps, listTokens, SYSTEM_ACTOR, { limit: 500 })).items);
      return EXIT.ok;
    },
  },
  {
    words: ['token', 'revoke'],
    synopsis: '--id ID',
    summary: 'revoke an API token',
    options: { id: { type: 'string' } },
    async run(ctx, v) {
      print(ctx, await execute(ctx.deps, revokeToken, SYSTEM_ACTOR, { id: v.id }));
      return EXIT.ok;
    },
  },
  {
    words: ['session', 'list'],
    synopsis: '[--all]',
    summary: 'page sessions: who is signed in to the pages, from where, until when (never their secrets)',
    details: 'Only live sessions unless --all.',
    options: { all: { type: 'boolean' } },
    async run(ctx, v) {
      const live = v.all ? {} : { live: 'true' };
      print(ctx, (await execute(ctx.deps, listPageSessions, SYSTEM_ACTOR, { limit: 500, ...live })).items);
      return EXIT.ok;
    },
  },
  {
    words: ['session', 'revoke'],
    synopsis: '--id ID',
    summary: 'end a page session now (its next request is signed out)',
    options: { id: { type: 'string' } },
    async run(ctx, v) {
      print(ctx, await execute(ctx.deps, revokePageSession, SYSTEM_ACTOR, { id: v.id }));
      return EXIT.ok;
    },
  },
  {
    words: ['import-bom'],
    args: ['FILE'],
    synopsis:
      '--project CODE|NAME [--new-project] [--mpn-column COL]… [--supplier-column COL]… [--mode replace|merge] [--dry-run]',
    summary: 'import a KiCad BOM (CSV) into the project with that code or name',
    details:
      '--new-project creates it. Exit code 0: all rows imported; 1: refused, nothing changed;\n2: imported, but rows were rejected: the BOM is recorded as incomplete.',
    options: {
      project: { type: 'string' },
      mode: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'new-project': { type: 'boolean' },
      'mpn-column': { type: 'string', multiple: true },
      'supplier-column': { type: 'string', multiple: true },
    },
    async check(_v, [file]) {
      await access(file!, constants.R_OK).catch((error: unknown) => {
        throw unreadable(file!, error);
      });
      if ((await stat(file!)).isDirectory()) throw new InputFileError(`cannot read ${file}: a directory`);
    },
    async run(ctx, v, [file]) {
      const project = v.project as string | undefined;
      if (!project) throw ValidationError.field('--project', 'is required');
      // A valid code names a project; anything else is a name (the command refuses a mistyped code).
      const isCode = parseIdCode(project).ok;
      const newProject = (v['new-project'] as boolean | undefined) ?? false;
      const csv = await readInput(file!);
      let report: BomImportReport;
      try {
        report = await execute(ctx.deps, importBom, SYSTEM_ACTOR, {
          ...(isCode && !newProject ? { project } : { projectName: project, createProject: newProject }),
          csv,
          mode: v.mode,
          // `--mpn-column MPN,LCSC` as well as `--mpn-column MPN --mpn-column LCSC`.
          mpnColumns: (v['mpn-column'] as string[] | undefined)?.flatMap((c) => c.split(',')),
          supplierColumns: (v['supplier-column'] as string[] | undefined)?.flatMap((c) => c.split(',')),
          dryRun: (v['dry-run'] as boolean | undefined) ?? false,
        });
      } catch (error) {
        const text = inCliWords(error);
        if (text === null) throw error;
        process.stderr.write(`error: ${text}\n`);
        return EXIT.failed;
      }
      if (ctx.out.json) print(ctx, report);
      else line(ctx, importText(report, project));
      return report.rejected.length > 0 ? 2 : EXIT.ok;
    },
  },
  {
    words: ['seed-demo'],
    summary: 'demo parts, stock and a two-level BOM',
    async run(ctx) {
      const result = await execute(ctx.deps, seedDemo, SYSTEM_ACTOR, {});
      line(
        ctx,
        result.created
          ? `demo data created: project '${result.project.name}' (${result.project.code}) with a sub-assembly 'Sensor module'`
          : `demo data already present: project '${result.project.name}' (${result.project.code})`,
      );
      return EXIT.ok;
    },
  },
  {
    words: ['slack-user', 'set'],
    synopsis: '--user U024BE7LH --role viewer|operator|admin [--name NAME]',
    summary: "set a Slack user's role",
    options: { user: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } },
    async run(ctx, v) {
      const user = await execute(ctx.deps, setSlackUserRole, SYSTEM_ACTOR, {
        user: v.user,
        role: v.role,
        ...(v.name !== undefined ? { name: v.name } : {}),
      });
      line(ctx, `Slack user ${user.userId} is now ${user.role}`);
      return EXIT.ok;
    },
  },
  {
    words: ['slack-user', 'list'],
    summary: 'Slack users with a role of their own',
    async run(ctx) {
      print(ctx, (await execute(ctx.deps, listSlackUsers, SYSTEM_ACTOR, { limit: 500 })).items);
      return EXIT.ok;
    },
  },
  {
    words: ['slack-user', 'remove'],
    synopsis: '--user U024BE7LH',
    summary: 'back to the role unknown Slack users get',
    options: { user: { type: 'string' } },
    async run(ctx, v) {
      const user = await execute(ctx.deps, removeSlackUser, SYSTEM_ACTOR, { user: v.user });
      line(ctx, `Slack user ${user.userId} removed (was ${user.role})`);
      return EXIT.ok;
    },
  },
  {
    words: ['doctor'],
    synopsis: '[--fix] [--no-invariants]',
    summary: 'work in flight without a live job, the rules the data must keep, what waits for a person',
    details: '--fix runs a reconciler pass first. Exit code 0: no problems, 1: problems found.',
    options: { fix: { type: 'boolean' }, 'no-invariants': { type: 'boolean' } },
    async run(ctx, v) {
      const options = { invariants: !v['no-invariants'] };
      const fixed = v.fix ? await execute(ctx.deps, reconcileWork, SYSTEM_ACTOR, options) : null;
      const report = fixed ?? (await execute(ctx.deps, inspectWork, SYSTEM_ACTOR, options));
      if (ctx.out.json) print(ctx, report);
      else line(ctx, doctorText(report, fixed?.pass ?? null));
      return report.problems === 0 ? EXIT.ok : EXIT.failed;
    },
  },
];
