/** Label runs from the command line: run (render), status, list, download. */
import { downloadLabels, getLabelRun, listLabelRuns, requestLabels } from '../commands/labels.ts';
import { pageText, runLine } from './output.ts';
import {
  answerQueued,
  call,
  downloadCommand,
  list,
  num,
  show,
  statusCommand,
  WAIT,
  type Obj,
} from './run.ts';
import { EXIT, type CliCommand } from './program.ts';

/** What a label run prints: a build's units (some serials), or lists of lots, parts or locations. */
export const SOURCE_OPTIONS = {
  build: { type: 'string' },
  serials: { type: 'string' },
  'include-scrapped': { type: 'boolean' },
  lots: { type: 'string', multiple: true },
  parts: { type: 'string', multiple: true },
  locations: { type: 'string', multiple: true },
} as const;

/** The source options as `requestLabels` takes them. */
export const sourceInput = (v: Obj) => ({
  build: v.build,
  serials: v.serials,
  includeScrapped: v['include-scrapped'],
  lots: list(v.lots),
  parts: list(v.parts),
  locations: list(v.locations),
});

export const labelCommands: CliCommand[] = [
  {
    words: ['label', 'run'],
    synopsis:
      '(--build CODE [--serials R] | --lots C,… | --parts C,… | --locations C,…) [--template T] [--dpi N] [--symbol url|gs1] [--wait]',
    summary: 'render a label PDF (a worker renders it)',
    options: {
      ...SOURCE_OPTIONS,
      template: { type: 'string' },
      dpi: { type: 'string' },
      symbol: { type: 'string' },
      ...WAIT,
    },
    async run(ctx, v) {
      const run = await call<Obj>(ctx, requestLabels, {
        ...sourceInput(v),
        template: v.template,
        dpi: num(v.dpi),
        symbol: v.symbol,
      });
      return answerQueued(ctx, v, run, getLabelRun, runLine, 'label run');
    },
  },
  statusCommand(['label', 'status'], 'a label run: status and progress', getLabelRun, runLine),
  {
    words: ['label', 'list'],
    synopsis: '[--limit N] [--cursor C]',
    summary: 'label runs, newest first',
    options: { limit: { type: 'string' }, cursor: { type: 'string' } },
    async run(ctx, v) {
      const page = await call<Obj>(ctx, listLabelRuns, {
        limit: num(v.limit),
        cursor: v.cursor,
      });
      show(ctx, listLabelRuns, page, (p) => pageText(p, runLine));
      return EXIT.ok;
    },
  },
  downloadCommand(['label', 'download'], "a label run's PDF, to FILE or to standard output", downloadLabels),
];
