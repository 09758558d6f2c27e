/**
 * Print runs in Slack: the one message a print run asked for from Slack keeps up to date (with
 * Resume / Cancel buttons where they apply), the notice of each pause, and the answers to
 * `/build print` and the run's buttons.
 */
import type { LabelRun } from '../../commands/ports.ts';
import type { PrintPause } from '../../commands/slack.ts';
import { resumesByItself, type PauseState, type Printer } from '../../domain/printers.ts';
import { progressBar } from '../../domain/slack-format.ts';
import { ACTIONS } from '../ids.ts';
import {
  button,
  context,
  ephemeral,
  escape,
  section,
  when,
  who,
  type Block,
  type SlackAnswer,
  type SlackText,
} from './format.ts';

const n = (x: number) => x.toLocaleString('en');
const labels = (x: number) => `${n(x)} label${x === 1 ? '' : 's'}`;
const ofWhat = (run: LabelRun) => (run.source.kind === 'build' ? ` of build ${run.source.buildCode}` : '');
const onPrinter = (printer: Pick<Printer, 'name'> | null) => (printer ? ` on ${escape(printer.name)}` : '');

/** What the run is doing, in one line: "Printing 120 of 500 labels of build X on Zebra line 2". */
export function printRunLine(run: LabelRun, printer: Pick<Printer, 'name'> | null): string {
  const where = `${ofWhat(run)}${onPrinter(printer)}`;
  switch (run.status) {
    case 'queued':
      return `:hourglass_flowing_sand: Waiting to print ${labels(run.total)}${where}`;
    case 'printing':
      return `:printer: Printing ${n(run.printed)} of ${labels(run.total)}${where}`;
    case 'paused':
      return `:double_vertical_bar: Paused at ${n(run.printed)} of ${labels(run.total)}${where}`;
    case 'done':
      return `:white_check_mark: Printed ${labels(run.total)}${where}`;
    case 'cancelled':
      return `:no_entry_sign: Cancelled${where}: ${n(run.printed)} of ${labels(run.total)} printed`;
    case 'failed':
      return `:x: Failed${where}: ${n(run.printed)} of ${labels(run.total)} printed`;
    default:
      return `${labels(run.total)}${where}: ${run.status}`;
  }
}

/**
 * What a pause asks of people: nothing (it goes on by itself), or what to do — with the run
 * message's buttons when it has them, else through the API.
 */
function pauseWayOut(state: string, runId: number, buttons: boolean): string {
  if (state === 'in-doubt')
    return buttons
      ? 'Look at the labels that came out, then press *They printed* or *Print them again*.'
      : `Look at the labels that came out, then resume run ${runId} saying whether they printed (\`POST /api/v1/labels/${runId}/resume\` with \`inDoubt\`: \`printed\` or \`reprint\`).`;
  if (state === 'disabled') return 'Enable the printer (or cancel the run), then resume it.';
  if (state === 'requested') return 'Resume it when ready.';
  return resumesByItself(state as PauseState)
    ? 'It goes on by itself when the printer is ready again.'
    : 'Resume it once the printer is ready.';
}

const cancelButton = (run: LabelRun) =>
  button('Cancel', ACTIONS.runCancel, String(run.id), {
    style: 'danger',
    confirm: {
      title: { type: 'plain_text', text: 'Cancel this print run?' },
      text: {
        type: 'mrkdwn',
        text: `Labels not printed yet are not sent; the ${n(run.printed)} printed stay printed.`,
      },
      confirm: { type: 'plain_text', text: 'Cancel printing' },
      deny: { type: 'plain_text', text: 'Keep printing' },
      style: 'danger',
    },
  });

function buttons(run: LabelRun): Block | null {
  const id = String(run.id);
  const elements = [];
  if (run.status === 'paused' && run.pausedState === 'in-doubt')
    elements.push(
      button('They printed', ACTIONS.runPrinted, id, { style: 'primary' }),
      button('Print them again', ACTIONS.runReprint, id),
    );
  else if (run.status === 'paused')
    elements.push(button('Resume', ACTIONS.runResume, id, { style: 'primary' }));
  if (run.status === 'queued' || run.status === 'printing' || run.status === 'paused')
    elements.push(cancelButton(run));
  return elements.length > 0 ? { type: 'actions', block_id: 'print_actions', elements } : null;
}

/** A print run's message in its channel. */
export function printRunMessage(run: LabelRun, printer: Pick<Printer, 'name'> | null): SlackText {
  const line = printRunLine(run, printer);
  const lines = [`*${line}*`];
  if (run.status === 'printing' || run.status === 'paused') lines.push(progressBar(run.printed, run.total));
  if (run.status === 'paused' && run.pausedReason)
    lines.push(
      `:warning: ${escape(run.pausedReason)}. ${pauseWayOut(run.pausedState ?? 'requested', run.id, true)}`,
    );
  if (run.status === 'failed' && run.error) lines.push(`:warning: ${escape(run.error)}`);
  if (run.reprintOf)
    lines.push(`Reprint of run ${run.reprintOf}${run.reason ? `: ${escape(run.reason)}` : ''}`);
  const actions = buttons(run);
  return {
    text: line,
    blocks: [
      section(lines.join('\n')),
      ...(actions ? [actions] : []),
      context(
        `Print run ${run.id} · ${escape(run.template)} · requested by ${who(run.requestedBy)} · ${when(run.createdAt)}`,
      ),
    ],
  };
}

/** The notice of one pause: ":printer: Zebra line 2: out of labels — 120 of 500 printed. It goes on…" */
export function pauseNotice(pause: PrintPause): SlackText {
  const text = `:printer: ${escape(pause.reason)}. ${pauseWayOut(pause.state, pause.run, pause.hasMessage)}`;
  const what = pause.build ? ` of build ${pause.build}` : '';
  return {
    text,
    blocks: [section(text), context(`Print run ${pause.run}${what} · ${when(pause.occurredAt)}`)],
  };
}

/** `/build print` or the Print button was accepted. */
export function printRequested(run: LabelRun, printer: Pick<Printer, 'name'> | null): SlackAnswer {
  return ephemeral({
    text: `Printing ${labels(run.total)}${ofWhat(run)}${onPrinter(printer)}; its message in this channel shows how it goes.`,
  });
}

/** A print run's button was accepted: resumed or cancelled. */
export function printRunChanged(run: LabelRun): SlackAnswer {
  const what = run.status === 'cancelled' ? 'cancelled' : 'resumed';
  return ephemeral({
    text: `Print run ${run.id}${ofWhat(run)} ${what} (${n(run.printed)} of ${labels(run.total)} printed).`,
  });
}
