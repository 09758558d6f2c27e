/** Build messages: the one message a build requested from Slack keeps up to date, and answers about builds. */
import { rangesText, type Build, type BuildOperation } from '../../domain/builds.ts';
import { labelRunWarnings } from '../../domain/labels.ts';
import { compileSerialFormat } from '../../domain/serial-format.ts';
import { progressBar } from '../../domain/slack-format.ts';
import type { LabelRun } from '../../commands/ports.ts';
import type { Lot } from '../../domain/types.ts';
import { ACTIONS } from '../ids.ts';
import {
  button,
  context,
  ephemeral,
  escape,
  idLink,
  section,
  when,
  who,
  type Block,
  type SlackAnswer,
  type SlackText,
} from './format.ts';

/** A build as `getBuild` answers it. */
export type BuildView = Build & { operations: BuildOperation[]; unitCounts: Record<string, number> };

const STATUS: Record<Build['status'], string> = {
  planned: ':memo: planned',
  starting: ':hourglass_flowing_sand: starting',
  in_progress: ':wrench: in progress',
  blocked: ':warning: blocked',
  completed: ':white_check_mark: completed',
  cancelled: ':no_entry_sign: cancelled',
};

const n = (x: number) => x.toLocaleString('en');
const count = (x: number, noun: string) => `${n(x)} ${noun}${x === 1 ? '' : 's'}`;
const title = (b: Build) => `Build ${b.code} · ${b.projectName} × ${n(b.quantity)}`;

/**
 * The serials of a build's first `units` units as they are printed: formatted (`WN-0001–WN-0005`)
 * when the project has a serial format, else plain numbers; one unit is `serial …`.
 */
export function serialRange(build: Build, units: number): string {
  const format =
    build.serialFormat && build.serialSeqStart !== null ? compileSerialFormat(build.serialFormat) : null;
  const label = (serial: number) =>
    format
      ? escape(format.render(build.serialSeqStart! + serial - 1, build.serialDate ?? build.createdAt))
      : n(serial);
  return units === 1 ? `serial ${label(1)}` : `serials ${label(1)}–${label(units)}`;
}

/** Whether stages are still to be completed (the next step is Advance, not Complete). */
const stagesOpen = (build: Build) => build.stages.some((s) => s.completedAt === null);

function stageLine(build: Build): string | null {
  if (build.stages.length === 0) return null;
  // A build that ended has no next stage.
  const ended = build.status === 'cancelled' || build.status === 'completed';
  const next = ended ? undefined : build.stages.find((s) => s.completedAt === null);
  const parts = build.stages.map(
    (s) =>
      `${s.completedAt ? ':white_check_mark:' : s === next ? ':arrow_forward:' : ':white_small_square:'} ${escape(s.name)}`,
  );
  return `*Stages:* ${parts.join('  ')}`;
}

function detailLines(build: BuildView): string[] {
  const lines = [`*Status:* ${STATUS[build.status]}`];
  if (build.trackUnits && build.status !== 'cancelled') {
    if (build.status === 'in_progress' && build.unitsGenerated < build.quantity)
      lines.push(`*Generating units:* ${progressBar(build.unitsGenerated, build.quantity)}`);
    else if (build.unitsGenerated > 0)
      lines.push(
        `*Units:* ${count(build.unitsGenerated, 'unit')} with ${serialRange(build, build.unitsGenerated)}`,
      );
  }
  const stages = stageLine(build);
  if (stages) lines.push(stages);
  if (build.status === 'completed' || build.unitsCompleted > 0 || build.unitsScrapped > 0)
    lines.push(
      `*Completed:* ${n(build.unitsCompleted)} · *Scrapped:* ${n(build.unitsScrapped)}` +
        (build.unitsCancelled > 0 ? ` · *Cancelled:* ${n(build.unitsCancelled)}` : ''),
    );
  else if (build.unitsCancelled > 0) lines.push(`*Cancelled:* ${n(build.unitsCancelled)} unfinished`);
  if (build.startError && build.status === 'planned')
    lines.push(`:warning: *Could not start:* ${escape(build.startError.message)}`);
  if (build.blocked && build.status === 'blocked')
    lines.push(
      `:warning: *Stopped at ${n(build.unitsGenerated)}/${n(build.quantity)} units:* ${escape(build.blocked.reason)} — retry or cancel it`,
    );
  return lines;
}

function buttons(build: BuildView, printer: { name: string } | null): Block | null {
  const elements = [];
  // With stages still open the next step is Advance (Complete would be refused until they are done).
  if (build.status === 'in_progress' && stagesOpen(build))
    elements.push(button('Advance', ACTIONS.buildAdvance, build.code, { style: 'primary' }));
  else if (build.status === 'in_progress')
    elements.push(button('Complete', ACTIONS.buildComplete, build.code, { style: 'primary' }));
  if (build.status === 'blocked')
    elements.push(button('Retry', ACTIONS.buildRetry, build.code, { style: 'primary' }));
  if (build.trackUnits && build.unitsGenerated > 0 && build.status !== 'cancelled')
    elements.push(button('Print labels', ACTIONS.buildLabels, build.code));
  // With a default printer, its labels print there (the PDF stays one button away).
  if (printer && build.trackUnits && build.unitsGenerated > 0 && build.status !== 'cancelled')
    elements.push(button(`Print on ${printer.name}`.slice(0, 75), ACTIONS.buildPrint, build.code));
  if (build.status === 'planned' || build.status === 'in_progress' || build.status === 'blocked')
    elements.push(
      button('Cancel', ACTIONS.buildCancel, build.code, {
        style: 'danger',
        confirm: {
          title: { type: 'plain_text', text: 'Cancel this build?' },
          text: {
            type: 'mrkdwn',
            text: `Build ${build.code} stops: unconsumed components go back to their lots and its in-production stock is removed.`,
          },
          confirm: { type: 'plain_text', text: 'Cancel build' },
          deny: { type: 'plain_text', text: 'Keep it' },
          style: 'danger',
        },
      }),
    );
  return elements.length > 0 ? { type: 'actions', block_id: 'build_actions', elements } : null;
}

/**
 * The build's message in its channel: status, progress, stages, counts and buttons (with Print when
 * its project has a default `printer`).
 */
export function buildMessage(
  build: BuildView,
  publicUrl: string,
  options: { printer?: { name: string } | null } = {},
): SlackText {
  const actions = buttons(build, options.printer ?? null);
  return {
    text: `${title(build)}: ${build.status.replace('_', ' ')}`,
    blocks: [
      section(`*${escape(title(build))}*\n${detailLines(build).join('\n')}`),
      ...(actions ? [actions] : []),
      context(
        `${idLink(publicUrl, build.code)} · requested by ${who(build.createdBy)} · ${when(build.createdAt)}`,
      ),
    ],
  };
}

/** `/build status`: the same picture, for the person who asked. */
export function buildStatus(build: BuildView, publicUrl: string): SlackAnswer {
  return ephemeral({
    text: `${title(build)}: ${build.status.replace('_', ' ')}`,
    blocks: [
      section(`*${escape(title(build))}*\n${detailLines(build).join('\n')}`),
      context(
        `${idLink(publicUrl, build.code)} · requested by ${who(build.createdBy)} · ${when(build.createdAt)}`,
      ),
    ],
  });
}

/** The reason a cancel from Slack records when the person gave none (the API requires one). */
export const SLACK_CANCEL_WITHOUT_REASON = 'cancelled in Slack (no reason given)';

/** The thread reply under a build's message when it completes or is cancelled. */
export function buildOutcomeReply(build: BuildView, outcome: 'completed' | 'cancelled'): SlackText {
  if (outcome === 'completed') {
    const serials = !build.trackUnits
      ? ''
      : build.quantity === 1
        ? ` The device has ${serialRange(build, 1)}.`
        : ` Devices have ${serialRange(build, build.quantity)}.`;
    return {
      text: `:white_check_mark: Build ${build.code} completed: ${n(build.unitsCompleted)} of ${n(build.quantity)} units completed, ${n(build.unitsScrapped)} scrapped.${serials}`,
    };
  }
  const cancel = [...build.operations].reverse().find((o) => o.kind === 'cancel' && o.status === 'done');
  const result = (cancel?.result ?? {}) as { removed?: number; returned?: number };
  // A cancel from Slack without a reason carries a placeholder: not shown as if someone wrote it.
  const given = cancel?.params.reason;
  const reason =
    typeof given === 'string' && given !== SLACK_CANCEL_WITHOUT_REASON ? ` (${escape(given)})` : '';
  const returned = result.returned ?? 0;
  return {
    text: `:no_entry_sign: Build ${build.code} cancelled${cancel ? ` by ${who(cancel.requestedBy)}` : ''}${reason}: ${count(result.removed ?? 0, 'in-production unit')} removed, ${count(returned, 'component')} returned to ${returned === 1 ? 'its lot' : 'their lots'}.`,
  };
}

/** The thread reply when a worker gave up on one of the build's operations: what stopped and the way out. */
export function operationFailedReply(build: BuildView, operationId: number): SlackText {
  const op = build.operations.find((o) => o.id === operationId);
  const reason = op?.error ? `: ${escape(op.error)}` : '';
  const what =
    op?.kind === 'generate'
      ? `stopped generating its units at ${n(build.unitsGenerated)}/${n(build.quantity)}`
      : op?.kind === 'start'
        ? 'could not start'
        : `could not ${op?.kind ?? 'run an operation'}`;
  const wayOut =
    build.status === 'blocked'
      ? `Retry with \`/build retry ${build.code}\` (it continues where it stopped) or cancel it with \`/build cancel ${build.code} <reason>\`.`
      : build.status === 'planned'
        ? `Its components went back to stock; start it again with \`/build retry ${build.code}\` once the cause is fixed.`
        : `Try again with \`/build retry ${build.code}\`.`;
  return { text: `:warning: Build ${build.code} ${what}${reason}. ${wayOut}` };
}

/** The failed test behind a quarantine, as `getHistoryEvent` answers it. */
export interface FailedTest {
  data: Record<string, unknown>;
  actor: string;
  occurredAt: Date | string;
}

const measurementList = (m: unknown): string =>
  m && typeof m === 'object'
    ? Object.entries(m as Record<string, unknown>)
        .map(([name, value]) => `${name}=${String(value)}`)
        .join(', ')
    : '';

/** The reply in a build's thread (also shown in the channel) when a failed required test quarantines a unit. */
export function quarantineReply(
  lot: Pick<Lot, 'code' | 'buildCode' | 'serial' | 'serialLabel'>,
  failed: FailedTest,
  publicUrl: string,
): SlackText {
  const d = failed.data;
  const test = String(d.test ?? 'a required test');
  const station = typeof d.station === 'string' && d.station ? ` at ${d.station}` : '';
  const operator = typeof d.operator === 'string' ? d.operator : failed.actor;
  const unit =
    lot.serial !== null
      ? `Unit ${lot.serialLabel ? `${lot.serialLabel} (serial ${lot.serial})` : `serial ${lot.serial}`}`
      : `Lot ${lot.code}`;
  const build = lot.buildCode ? ` of build ${lot.buildCode}` : '';
  const measured = measurementList(d.measurements);
  return {
    text: `:rotating_light: ${unit}${build} (${lot.code}) quarantined: required test ${test} failed${station}.`,
    blocks: [
      section(
        `:rotating_light: *${escape(unit)}${build} quarantined*
` +
          `Required test *${escape(test)}* failed${escape(station)}, recorded by ${who(operator)} ${when(failed.occurredAt)}.` +
          (measured
            ? `
*Measurements:* ${escape(measured)}`
            : ''),
      ),
      context(`${idLink(publicUrl, lot.code)} · release it after a repair and a passing result`),
    ],
  };
}

/** `/build start` was accepted. */
export function buildRequested(build: Build, quantity: number, trackUnits: boolean): SlackAnswer {
  const stages =
    build.stages.length > 0 ? ` in stages ${build.stages.map((s) => escape(s.name)).join(', ')}` : '';
  return ephemeral({
    text: `Build ${build.code} of *${escape(build.projectName)}* × ${n(quantity)} requested${trackUnits ? ', one serial number per device' : ''}${stages}. Its message in this channel shows how it goes.`,
  });
}

const VERB: Record<BuildOperation['kind'], string> = {
  start: 'Start',
  advance: 'Completing the next stage',
  complete: 'Completion',
  cancel: 'Cancellation',
  generate: 'Unit generation',
};

/** advance/complete/cancel was accepted (or had already happened). */
export function operationRequested(result: { build: Build; operation: BuildOperation }): SlackAnswer {
  const { build, operation } = result;
  if (operation.status === 'done')
    return ephemeral({ text: `Build ${build.code} is already ${build.status.replace('_', ' ')}.` });
  return ephemeral({ text: `${VERB[operation.kind]} of build ${build.code} requested.` });
}

/** `/build labels` or the Print labels button was accepted (`build`: the build whose lots are labelled). */
export function labelsRequested(run: LabelRun, build?: string): SlackAnswer {
  if (run.source.kind === 'lots' && build)
    return ephemeral({
      text: `Rendering ${count(run.total, 'label')} for the ${run.total === 1 ? 'lot' : 'lots'} build ${build} made (it does not track units) on ${run.template}; the PDF will be posted in this channel.`,
    });
  const what = run.source.kind === 'build' ? ` for build ${run.source.buildCode}` : '';
  const range =
    run.source.kind === 'build' && run.source.ranges
      ? ` (serials ${rangesText(run.source.ranges, '–').replaceAll(',', ', ')})`
      : '';
  return ephemeral({
    text: `Rendering ${n(run.total)} labels${what}${range} on ${run.template}; the PDF will be posted in this channel.${labelWarnings(run)}`,
  });
}

/** Warnings of a label run as lines to append to a Slack text. */
const labelWarnings = (run: LabelRun) =>
  labelRunWarnings(run)
    .map((w) => `\n:warning: ${escape(w.charAt(0).toUpperCase() + w.slice(1))}`)
    .join('');

/** The comment uploaded with a label PDF. */
export function labelsReady(run: LabelRun): string {
  const what = run.source.kind === 'build' ? ` of build ${run.source.buildCode}` : '';
  return `:label: ${count(run.total, 'label')}${what} on ${run.template} (${count(run.pages ?? 0, 'page')}), requested by ${who(run.requestedBy)}.${labelWarnings(run)}`;
}
