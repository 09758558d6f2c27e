/** Printers and print runs from the command line: printer list/show/add/update/remove/assign, label print/resume/cancel/reprint/prints. */
import { getLabelRun, requestLabels } from '../commands/labels.ts';
import {
  assignPrinter,
  cancelLabelRun,
  createPrinter,
  deletePrinter,
  getPrinter,
  listLabelPrints,
  listPrinters,
  reprintLabels,
  resumeLabelRun,
  unassignPrinter,
  updatePrinter,
} from '../commands/printers.ts';
import { pageText, plainText, printerLine, printRecordLine, runLine } from './output.ts';
import { SOURCE_OPTIONS, sourceInput } from './labels.ts';
import { answerQueued, call, num, show, WAIT, type Obj } from './run.ts';
import type { ParseArgsConfig } from 'node:util';
import { EXIT, type CliCommand } from './program.ts';

type CliOptions = NonNullable<ParseArgsConfig['options']>;

const PRINTER_FIELDS: CliOptions = {
  driver: { type: 'string' },
  address: { type: 'string' },
  template: { type: 'string' },
  dpi: { type: 'string' },
  location: { type: 'string' },
  description: { type: 'string' },
};

const PAGE: CliOptions = { limit: { type: 'string' }, cursor: { type: 'string' } };

/** The printer fields given as options (`--json` and the like left out). */
const printerFields = (v: Obj) => ({
  driver: v.driver,
  address: v.address,
  template: v.template,
  dpi: num(v.dpi),
  location: v.location,
  description: v.description,
});

/** `--project C` or `--location C`: the scope an assignment is about. */
function scopeOf(v: Obj): Obj {
  return v.project ? { scope: 'project', code: v.project } : { scope: 'location', code: v.location };
}

export const printerCommands: CliCommand[] = [
  {
    words: ['printer', 'list'],
    synopsis: '[--limit N] [--cursor C]',
    summary: 'the label printers',
    options: PAGE,
    async run(ctx, v) {
      const page = await call<Obj>(ctx, listPrinters, { limit: num(v.limit), cursor: v.cursor });
      show(ctx, listPrinters, page, (p) => pageText(p, printerLine));
      return EXIT.ok;
    },
  },
  {
    words: ['printer', 'show'],
    args: ['NAME'],
    summary: 'a printer with its live status',
    async run(ctx, _v, [printer]) {
      const found = await call<Obj>(ctx, getPrinter, { printer });
      show(ctx, getPrinter, found, (p) => `${printerLine(p)}\nlive: ${plainText(p.live ?? 'unknown')}`);
      return EXIT.ok;
    },
  },
  {
    words: ['printer', 'add'],
    args: ['NAME'],
    synopsis:
      '--driver zpl|brother-ql|ipp --address A --template T [--dpi N] [--location C] [--description D]',
    summary: 'add a label printer (admin)',
    options: PRINTER_FIELDS,
    async run(ctx, v, [name]) {
      const printer = await call<Obj>(ctx, createPrinter, { name, ...printerFields(v) });
      show(ctx, createPrinter, printer, printerLine);
      return EXIT.ok;
    },
  },
  {
    words: ['printer', 'update'],
    args: ['NAME'],
    synopsis: '[--name N] [--address A] [--template T] [--dpi N] [--location C] [--enable | --disable]',
    summary: 'change a printer (admin)',
    options: {
      ...PRINTER_FIELDS,
      name: { type: 'string' },
      enable: { type: 'boolean' },
      disable: { type: 'boolean' },
    },
    async run(ctx, v, [printer]) {
      const enabled = v.enable ? true : v.disable ? false : undefined;
      const updated = await call<Obj>(ctx, updatePrinter, {
        printer,
        name: v.name,
        ...printerFields(v),
        enabled,
      });
      show(ctx, updatePrinter, updated, printerLine);
      return EXIT.ok;
    },
  },
  {
    words: ['printer', 'remove'],
    args: ['NAME'],
    summary: 'remove a printer that never printed (admin); disable one that did',
    async run(ctx, _v, [printer]) {
      show(
        ctx,
        deletePrinter,
        await call<Obj>(ctx, deletePrinter, { printer }),
        (r) => `removed ${String(r.deleted)}`,
      );
      return EXIT.ok;
    },
  },
  {
    words: ['printer', 'assign'],
    args: ['NAME'],
    synopsis: '(--project CODE | --location CODE) [--auto]',
    summary: "make a printer a project's or a location's default; --auto prints by itself (admin)",
    options: { project: { type: 'string' }, location: { type: 'string' }, auto: { type: 'boolean' } },
    async run(ctx, v, [printer]) {
      const done = await call<Obj>(ctx, assignPrinter, {
        ...scopeOf(v),
        printer,
        autoPrint: v.auto ?? false,
      });
      show(
        ctx,
        assignPrinter,
        done,
        (a) =>
          `${String(a.scope)} ${String(v.project ?? v.location)} prints on ${String(printer)}${a.autoPrint ? ' by itself' : ''}`,
      );
      return EXIT.ok;
    },
  },
  {
    words: ['printer', 'unassign'],
    synopsis: '(--project CODE | --location CODE)',
    summary: "remove a project's or a location's printer (admin)",
    options: { project: { type: 'string' }, location: { type: 'string' } },
    async run(ctx, v) {
      show(ctx, unassignPrinter, await call<Obj>(ctx, unassignPrinter, scopeOf(v)), () => 'removed');
      return EXIT.ok;
    },
  },
  {
    words: ['label', 'print'],
    synopsis:
      '(--build CODE [--serials R] | --lots C,…) [--printer NAME|default] [--symbol url|gs1] [--wait]',
    summary: 'print labels on a printer, each exactly once (a worker sends them)',
    options: {
      ...SOURCE_OPTIONS,
      printer: { type: 'string' },
      symbol: { type: 'string' },
      ...WAIT,
    },
    async run(ctx, v) {
      const run = await call<Obj>(ctx, requestLabels, {
        ...sourceInput(v),
        printer: v.printer ?? 'default',
        symbol: v.symbol,
      });
      return answerQueued(ctx, v, run, getLabelRun, runLine, 'label run');
    },
  },
  {
    words: ['label', 'resume'],
    args: ['ID'],
    synopsis: '[--in-doubt printed|reprint]',
    summary: 'resume a paused print run',
    options: { 'in-doubt': { type: 'string' } },
    async run(ctx, v, [id]) {
      show(
        ctx,
        resumeLabelRun,
        await call<Obj>(ctx, resumeLabelRun, { id, inDoubt: v['in-doubt'] }),
        runLine,
      );
      return EXIT.ok;
    },
  },
  {
    words: ['label', 'cancel'],
    args: ['ID'],
    summary: 'cancel a print run (labels already printed stay printed)',
    async run(ctx, _v, [id]) {
      show(ctx, cancelLabelRun, await call<Obj>(ctx, cancelLabelRun, { id }), runLine);
      return EXIT.ok;
    },
  },
  {
    words: ['label', 'reprint'],
    args: ['ID'],
    synopsis: '--reason TEXT [--labels 1-20,25] [--printer NAME] [--wait]',
    summary: 'print labels of a print run again, recorded with who asked and why',
    options: { reason: { type: 'string' }, labels: { type: 'string' }, printer: { type: 'string' }, ...WAIT },
    async run(ctx, v, [id]) {
      const run = await call<Obj>(ctx, reprintLabels, {
        id,
        reason: v.reason,
        labels: v.labels,
        printer: v.printer,
      });
      return answerQueued(ctx, v, run, getLabelRun, runLine, 'label run');
    },
  },
  {
    words: ['label', 'prints'],
    args: ['ID'],
    synopsis: '[--status queued|sent|confirmed|failed] [--limit N] [--cursor C]',
    summary: "a print run's labels, one record each",
    options: { ...PAGE, status: { type: 'string' } },
    async run(ctx, v, [id]) {
      const page = await call<Obj>(ctx, listLabelPrints, {
        id,
        status: v.status,
        limit: num(v.limit),
        cursor: v.cursor,
      });
      show(ctx, listLabelPrints, page, (p) => pageText(p, printRecordLine));
      return EXIT.ok;
    },
  },
];
