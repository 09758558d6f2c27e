import * as printing from '../../commands/printers.ts';
import { route } from '../route.ts';
import {
  PrinterAssignmentDetailOut,
  PrinterAssignmentOut,
  PrinterDetailOut,
  PrinterOut,
  pageOf,
} from '../schemas.ts';

const tag = 'Printers';

/** The assignment routes of one scope: `/projects/{code}/printer` or `/locations/{code}/printer`. */
function assignmentRoutes(scope: 'project' | 'location', tagOf: string) {
  const path = `/${scope}s/{code}/printer`;
  return [
    route({
      method: 'get',
      path,
      tag: tagOf,
      command: printing.getPrinterAssignment,
      fixed: { scope },
      response: PrinterAssignmentDetailOut,
    }),
    route({
      method: 'put',
      path,
      tag: tagOf,
      command: printing.assignPrinter,
      fixed: { scope },
      response: PrinterAssignmentOut,
      description:
        scope === 'project'
          ? 'The printer this project\'s labels go to when a request says `printer: "default"`; with `autoPrint`, a tracked build\'s unit labels print by themselves once its units exist.'
          : 'The printer this location\'s lots print on when a request says `printer: "default"`; with `autoPrint`, a lot received here has its label printed by itself.',
    }),
    route({
      method: 'delete',
      path,
      tag: tagOf,
      command: printing.unassignPrinter,
      fixed: { scope },
      status: 204,
    }),
  ];
}

export const printerRoutes = [
  route({
    method: 'get',
    path: '/printers',
    tag,
    command: printing.listPrinters,
    response: pageOf(PrinterOut),
  }),
  route({
    method: 'post',
    path: '/printers',
    tag,
    command: printing.createPrinter,
    status: 201,
    response: PrinterOut,
    description:
      'Drivers: `zpl` (Zebra and compatibles, native ZPL over raw TCP, port 9100), `brother-ql` (Brother QL raster over raw TCP 9100), `ipp` (IPP Everywhere printers and CUPS queues, `ipp://` or `ipps://`). The template is the stock it holds; dpi its head.',
  }),
  route({
    method: 'get',
    path: '/printers/{printer}',
    tag,
    command: printing.getPrinter,
    response: PrinterDetailOut,
    description:
      "`live` is the printer's status read now (within 3 s; `unreachable` when it does not answer).",
  }),
  route({
    method: 'patch',
    path: '/printers/{printer}',
    tag,
    command: printing.updatePrinter,
    response: PrinterOut,
  }),
  route({
    method: 'delete',
    path: '/printers/{printer}',
    tag,
    command: printing.deletePrinter,
    status: 204,
    description: 'A printer that printed label runs is kept for their history: disable it instead.',
  }),
  ...assignmentRoutes('project', 'Projects'),
  ...assignmentRoutes('location', 'Locations'),
];
