/**
 * The work behind `/printer`, `/build print` and the printing buttons, run by the workers as the
 * person who asked (src/slack/requests.ts hands these here).
 */
import { execute } from '../commands/define.ts';
import {
  cancelLabelRun,
  createPrinter,
  deletePrinter,
  getPrinter,
  listPrinters,
  resumeLabelRun,
} from '../commands/printers.ts';
import { getPrintRunForSlack, getPrinterPlaces, requestLabelsFromSlack } from '../commands/slack.ts';
import type { Actor } from '../domain/roles.ts';
import type { PrinterRequest } from '../domain/slack-printer-commands.ts';
import type { SlackDeps } from './deps.ts';
import type { SlackAnswer } from './presenters/format.ts';
import { printRequested, printRunChanged } from './presenters/printing.ts';
import {
  printerAdded,
  printerHelp,
  printerList,
  printerRemoved,
  printerStatus,
} from './presenters/printers.ts';

/** Printers a `/printer list` answer shows. */
const LIST_LIMIT = 50;

type Work = (actor: Actor, deps: SlackDeps) => Promise<SlackAnswer>;

export function printerWork(request: PrinterRequest): Work {
  return async (actor, deps) => {
    switch (request.kind) {
      case 'help':
        return printerHelp();
      case 'list': {
        const page = await execute(deps, listPrinters, actor, { limit: LIST_LIMIT });
        return printerList(page.items, page.nextCursor !== null);
      }
      case 'status': {
        const printer = await execute(deps, getPrinter, actor, { printer: request.printer });
        const places = await execute(deps, getPrinterPlaces, actor, { id: printer.id });
        return printerStatus(printer, places);
      }
      case 'add': {
        const { kind: _kind, ...fields } = request;
        return printerAdded(await execute(deps, createPrinter, actor, fields));
      }
      case 'remove': {
        const { deleted } = await execute(deps, deletePrinter, actor, { printer: request.printer });
        return printerRemoved(deleted);
      }
    }
  };
}

/** Prints a build's labels on a printer (a name, or `default`), posting the run's message in the channel. */
export async function printFromSlack(
  actor: Actor,
  deps: SlackDeps,
  input: {
    build: string;
    printer: string;
    serials?: string | undefined;
    channel: string;
    responseUrl: string;
  },
): Promise<SlackAnswer> {
  const run = await execute(deps, requestLabelsFromSlack, actor, input);
  const { printer } = await execute(deps, getPrintRunForSlack, actor, { id: run.id });
  return printRequested(run, printer);
}

export type RunButton = 'run-resume' | 'run-cancel' | 'run-printed' | 'run-reprint';

/** A print run's button: the value is the run's id. */
export async function runButton(
  actor: Actor,
  deps: SlackDeps,
  action: RunButton,
  value: string,
): Promise<SlackAnswer> {
  const id = value;
  if (action === 'run-cancel') return printRunChanged(await execute(deps, cancelLabelRun, actor, { id }));
  const inDoubt = action === 'run-printed' ? 'printed' : action === 'run-reprint' ? 'reprint' : undefined;
  return printRunChanged(await execute(deps, resumeLabelRun, actor, { id, ...(inDoubt ? { inDoubt } : {}) }));
}
