/**
 * Builds from the command line: start, status, list, advance, complete, cancel, retry. `--wait`
 * waits until no operation of the build is queued and exits 1 if the one asked for failed.
 */
import * as builds from '../commands/builds.ts';
import { buildLine, buildText, pageText } from './output.ts';
import { EXIT, type CliCommand, type CliContext, type Values } from './program.ts';
import { call, deadlineOf, num, show, waitFor, WAIT, type Obj } from './run.ts';

async function answerBuildRequest(
  ctx: CliContext,
  values: Values,
  result: { build: Obj; operation: unknown },
) {
  const code = String(result.build.code);
  if (!values.wait) {
    show(ctx, builds.createBuild, result, (r) => buildLine(r.build as Obj));
    return EXIT.ok;
  }
  const deadline = deadlineOf(values);
  const operation = result.operation as { id?: number } | null;
  const build = await waitFor(
    ctx,
    () => call<Obj>(ctx, builds.getBuild, { code }),
    (b) => !(b.operations as { status: string }[]).some((o) => o.status === 'queued'),
    `build ${code}`,
    deadline,
  );
  show(ctx, builds.getBuild, build, buildText);
  const ops = build.operations as { id: number; status: string }[];
  const failed = ops.find((o) => o.id === operation?.id)?.status === 'failed' || build.status === 'blocked';
  return failed ? EXIT.failed : EXIT.ok;
}

export const buildCommands: CliCommand[] = [
  {
    words: ['build', 'start'],
    synopsis: '--project CODE --quantity N [--track] [--stage NAME]… [--lot CODE]… [--no-start] [--wait]',
    summary: 'create a build and request its start (stock is reserved at once)',
    details:
      '--track makes one serialized unit per device; --stage names the stages of a multi-stage build;\n--lot consumes those component lots instead of FIFO; --no-start only plans it; --wait waits\nuntil a worker has started it (and generated its units) and exits 1 if that failed.',
    options: {
      project: { type: 'string' },
      quantity: { type: 'string' },
      track: { type: 'boolean' },
      stage: { type: 'string', multiple: true },
      lot: { type: 'string', multiple: true },
      'no-start': { type: 'boolean' },
      ...WAIT,
    },
    async run(ctx, v) {
      const result = await call<{ build: Obj; operation: unknown }>(ctx, builds.createBuild, {
        project: v.project,
        quantity: num(v.quantity),
        trackUnits: v.track ?? false,
        stages: v.stage,
        lots: (v.lot as string[] | undefined)?.map((lot) => ({ lot })),
        start: v['no-start'] ? false : undefined,
      });
      return answerBuildRequest(ctx, v, result);
    },
  },
  {
    words: ['build', 'status'],
    args: ['CODE'],
    summary: 'a build: status, progress, its latest operations',
    async run(ctx, _v, [code]) {
      show(ctx, builds.getBuild, await call<Obj>(ctx, builds.getBuild, { code }), buildText);
      return EXIT.ok;
    },
  },
  {
    words: ['build', 'list'],
    synopsis: '[--project CODE] [--status STATUS] [--limit N] [--cursor C]',
    summary: 'builds, newest first',
    options: {
      project: { type: 'string' },
      status: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
    },
    async run(ctx, v) {
      const page = await call<Obj>(ctx, builds.listBuilds, {
        ...v,
        json: undefined,
        limit: num(v.limit),
      });
      show(ctx, builds.listBuilds, page, (p) => pageText(p, buildLine));
      return EXIT.ok;
    },
  },
  {
    words: ['build', 'advance'],
    args: ['CODE'],
    synopsis: '[--stage NAME] [--comment TEXT] [--wait]',
    summary: 'complete the next stage of a multi-stage build',
    options: { stage: { type: 'string' }, comment: { type: 'string' }, ...WAIT },
    async run(ctx, v, [code]) {
      const result = await call<{ build: Obj; operation: unknown }>(ctx, builds.advanceBuild, {
        code,
        stage: v.stage,
        comment: v.comment,
      });
      return answerBuildRequest(ctx, v, result);
    },
  },
  {
    words: ['build', 'complete'],
    args: ['CODE'],
    synopsis: '[--serials 1-20,25] [--force --reason TEXT] [--wait]',
    summary: 'complete a build, or some of its units by serial',
    options: { serials: { type: 'string' }, force: { type: 'boolean' }, reason: { type: 'string' }, ...WAIT },
    async run(ctx, v, [code]) {
      const result = await call<{ build: Obj; operation: unknown }>(ctx, builds.completeBuild, {
        code,
        serials: v.serials,
        force: v.force,
        reason: v.reason,
      });
      return answerBuildRequest(ctx, v, result);
    },
  },
  {
    words: ['build', 'cancel'],
    args: ['CODE'],
    synopsis: '--reason TEXT [--wait]',
    summary: 'cancel a build: components of units not made go back to their lots',
    options: { reason: { type: 'string' }, ...WAIT },
    async run(ctx, v, [code]) {
      const result = await call<{ build: Obj; operation: unknown }>(ctx, builds.cancelBuild, {
        code,
        reason: v.reason,
      });
      return answerBuildRequest(ctx, v, result);
    },
  },
  {
    words: ['build', 'retry'],
    args: ['CODE'],
    synopsis: '[--wait]',
    summary: 'retry what stopped a build (a blocked generation, a failed operation)',
    options: { ...WAIT },
    async run(ctx, v, [code]) {
      const result = await call<{ build: Obj; operation: unknown }>(ctx, builds.retryBuild, { code });
      return answerBuildRequest(ctx, v, result);
    },
  },
];
