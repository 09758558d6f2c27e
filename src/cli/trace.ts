/** Traces and recalls from the command line. */
import { downloadRecallReport, getRecall, createRecall } from '../commands/recalls.ts';
import { traceBackward, traceForward } from '../commands/trace.ts';
import { backwardText, forwardText, recallLine } from './output.ts';
import { answerQueued, call, downloadCommand, num, show, statusCommand, WAIT, type Obj } from './run.ts';
import { EXIT, type CliCommand } from './program.ts';

const FILTER = {
  status: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  'units-only': { type: 'boolean' },
} as const;

export const traceCommands: CliCommand[] = [
  {
    words: ['trace', 'backward'],
    args: ['CODE'],
    summary: 'what a lot or device is made of, through every level',
    async run(ctx, _v, [code]) {
      show(ctx, traceBackward, await call<Obj>(ctx, traceBackward, { code }), (n) => backwardText(n));
      return EXIT.ok;
    },
  },
  {
    words: ['trace', 'forward'],
    args: ['CODE'],
    synopsis: '[--status S] [--from DAY] [--to DAY] [--units-only] [--limit N] [--cursor C]',
    summary: 'every build and device a lot went into',
    options: { ...FILTER, limit: { type: 'string' }, cursor: { type: 'string' } },
    async run(ctx, v, [code]) {
      const trace = await call<Obj>(ctx, traceForward, {
        code,
        status: v.status,
        from: v.from,
        to: v.to,
        unitsOnly: v['units-only'],
        limit: num(v.limit),
        cursor: v.cursor,
      });
      show(ctx, traceForward, trace, forwardText);
      return EXIT.ok;
    },
  },
  {
    words: ['recall', 'start'],
    args: ['LOT'],
    synopsis: '--reason TEXT [--status S] [--from DAY] [--to DAY] [--units-only] [--wait]',
    summary: 'a recall report: every device containing the lot (a worker writes the CSV)',
    options: { reason: { type: 'string' }, ...FILTER, ...WAIT },
    async run(ctx, v, [lot]) {
      const recall = await call<Obj>(ctx, createRecall, {
        lot,
        reason: v.reason,
        status: v.status,
        from: v.from,
        to: v.to,
        unitsOnly: v['units-only'],
      });
      return answerQueued(ctx, v, recall, getRecall, recallLine, 'recall');
    },
  },
  statusCommand(
    ['recall', 'status'],
    'a recall: status and how many devices it found',
    getRecall,
    recallLine,
  ),
  downloadCommand(
    ['recall', 'download'],
    "a recall's CSV report, to FILE or to standard output",
    downloadRecallReport,
  ),
];
