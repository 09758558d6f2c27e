/** `/printer` answers: the list of printers, one printer's live status, and changes made by admins. */
import type { PrinterPlace } from '../../commands/slack.ts';
import type { Printer, PrinterStatus } from '../../domain/printers.ts';
import { PRINTER_USAGE } from '../../domain/slack-printer-commands.ts';
import { context, ephemeral, escape, section, when, type SlackAnswer } from './format.ts';

const STATE_ICON: Record<string, string> = {
  ready: ':large_green_circle:',
  printing: ':printer:',
  unreachable: ':black_circle:',
};
const icon = (state: string | null) => (state ? (STATE_ICON[state] ?? ':red_circle:') : ':white_circle:');

export function printerHelp(): SlackAnswer {
  return ephemeral({ text: `*buildtrace printers*\n${PRINTER_USAGE}` });
}

const summary = (p: Printer) =>
  `${escape(p.driver)} · \`${escape(p.address)}\` · ${escape(p.template)} at ${p.dpi} dpi${p.enabled ? '' : ' · *disabled*'}`;

export function printerList(printers: Printer[], more: boolean): SlackAnswer {
  if (printers.length === 0)
    return ephemeral({
      text: 'No printers yet. An admin adds one with `/printer add <name> <driver> <address> <template>`.',
    });
  const lines = printers.map(
    (p) =>
      `${icon(p.state)} *${escape(p.name)}* — ${summary(p)}${p.stateMessage ? ` · last: ${escape(p.stateMessage)}` : ''}`,
  );
  return ephemeral({
    text: `Printers:\n${lines.join('\n')}${more ? '\n…and more (`GET /api/v1/printers` lists them all).' : ''}`,
  });
}

export interface PrinterView extends Printer {
  live: PrinterStatus | null;
  openRuns: number;
}

export function printerStatus(printer: PrinterView, places: PrinterPlace[]): SlackAnswer {
  const live = printer.live;
  const lastRead = printer.stateAt ? ` (last read ${when(printer.stateAt)})` : '';
  const state = live
    ? `${icon(live.state)} *${live.state}* — ${escape(live.message)}${live.pending ? ` (${live.pending} held, not printed yet)` : ''}`
    : `${icon(printer.state)} ${printer.state ? `*${printer.state}*${lastRead}` : 'not read yet'}${printer.stateMessage ? ` — ${escape(printer.stateMessage)}` : ''}`;
  const defaults =
    places.length === 0
      ? 'nowhere'
      : places
          .map((p) => `${p.scope} ${escape(p.label)}${p.autoPrint ? ' (prints by itself)' : ''}`)
          .join(', ');
  return ephemeral({
    text: `Printer ${printer.name}: ${live?.state ?? printer.state ?? 'not read yet'}`,
    blocks: [
      section(
        [
          `*${escape(printer.name)}*${printer.enabled ? '' : ' · *disabled*'}`,
          `*State:* ${state}`,
          `*Prints:* ${summary(printer)}`,
          `*Default for:* ${defaults}`,
          `*Runs in flight:* ${printer.openRuns}`,
        ].join('\n'),
      ),
      ...(printer.description ? [context(escape(printer.description))] : []),
    ],
  });
}

export function printerAdded(printer: Printer): SlackAnswer {
  return ephemeral({
    text: `Printer *${escape(printer.name)}* added: ${summary(printer)}. \`/printer status ${escape(printer.name)}\` reads it now.`,
  });
}

export function printerRemoved(name: string): SlackAnswer {
  return ephemeral({ text: `Printer *${escape(name)}* removed.` });
}
