/** Lots and projects from the command line: show (a lot or a device), list, receive, move. */
import { getLot, listLots, moveLot, receiveStock } from '../commands/lots.ts';
import { getProject, listProjects } from '../commands/projects.ts';
import { lotLine, pageText, plainText } from './output.ts';
import { call, num, show, type Obj } from './run.ts';
import { EXIT, type CliCommand } from './program.ts';

export const lotCommands: CliCommand[] = [
  {
    words: ['lot', 'show'],
    args: ['CODE'],
    summary: 'a lot, or a device by its code or formatted serial',
    async run(ctx, _v, [code]) {
      show(ctx, getLot, await call<Obj>(ctx, getLot, { code }), (l) => `${lotLine(l)}\n${plainText(l)}`);
      return EXIT.ok;
    },
  },
  {
    words: ['lot', 'list'],
    synopsis:
      '[--part CODE] [--location CODE] [--status S] [--serial TEXT] [--empty] [--limit N] [--cursor C]',
    summary: 'lots, optionally of one part, at one location or in one status',
    options: {
      part: { type: 'string' },
      location: { type: 'string' },
      status: { type: 'string' },
      serial: { type: 'string' },
      empty: { type: 'boolean' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
    },
    async run(ctx, v) {
      const page = await call<Obj>(ctx, listLots, {
        ...v,
        json: undefined,
        limit: num(v.limit),
      });
      show(ctx, listLots, page, (p) => pageText(p, lotLine));
      return EXIT.ok;
    },
  },
  {
    words: ['lot', 'receive'],
    synopsis:
      '--part CODE --quantity N [--location CODE] [--supplier S] [--supplier-order O] [--date-code D] [--expires-on YYYY-MM-DD] [--note TEXT]',
    summary: 'receive stock: a new lot',
    options: {
      part: { type: 'string' },
      quantity: { type: 'string' },
      location: { type: 'string' },
      source: { type: 'string' },
      supplier: { type: 'string' },
      'supplier-order': { type: 'string' },
      'date-code': { type: 'string' },
      'expires-on': { type: 'string' },
      note: { type: 'string' },
    },
    async run(ctx, v) {
      const lot = await call<Obj>(ctx, receiveStock, {
        part: v.part,
        quantity: num(v.quantity),
        location: v.location,
        source: v.source,
        supplier: v.supplier,
        supplierOrder: v['supplier-order'],
        dateCode: v['date-code'],
        expiresOn: v['expires-on'],
        note: v.note,
      });
      show(ctx, receiveStock, lot, lotLine);
      return EXIT.ok;
    },
  },
  {
    words: ['lot', 'move'],
    args: ['CODE'],
    synopsis: '--location CODE',
    summary: 'move a lot to a location',
    options: { location: { type: 'string' } },
    async run(ctx, v, [code]) {
      show(ctx, moveLot, await call<Obj>(ctx, moveLot, { code, location: v.location }), lotLine);
      return EXIT.ok;
    },
  },
  {
    words: ['project', 'list'],
    synopsis: '[--limit N] [--cursor C]',
    summary: 'projects: the code a build names',
    options: { limit: { type: 'string' }, cursor: { type: 'string' } },
    async run(ctx, v) {
      const page = await call(ctx, listProjects, { limit: num(v.limit), cursor: v.cursor });
      show(ctx, listProjects, page, (p) => pageText(p, (x) => `${String(x.code)}  ${String(x.name)}`));
      return EXIT.ok;
    },
  },
  {
    words: ['project', 'show'],
    args: ['CODE'],
    summary: 'a project and its BOM',
    async run(ctx, _v, [code]) {
      show(ctx, getProject, await call(ctx, getProject, { code }), plainText);
      return EXIT.ok;
    },
  },
];
