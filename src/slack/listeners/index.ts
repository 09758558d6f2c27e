/** Registers every Slack listener, by kind: slash commands, buttons, modals. */
import type { App, BlockButtonAction } from '@slack/bolt';
import type { SlackDeps } from '../deps.ts';
import { ACTIONS, VIEWS } from '../ids.ts';
import { buildAdvanceAction } from './actions/build-advance.ts';
import { buildCancelAction } from './actions/build-cancel.ts';
import { buildCompleteAction } from './actions/build-complete.ts';
import { buildLabelsAction } from './actions/build-labels.ts';
import { buildRetryAction } from './actions/build-retry.ts';
import { lotRecordAction } from './actions/lot-record.ts';
import { printAction } from './actions/print-run.ts';
import { buildCommand } from './commands/build.ts';
import { buildtraceCommand } from './commands/buildtrace.ts';
import { lotCommand } from './commands/lot.ts';
import { printerCommand } from './commands/printer.ts';
import { traceCommand } from './commands/trace.ts';
import { lotRecordView } from './views/lot-record.ts';

export function registerListeners(app: App, deps: SlackDeps): void {
  app.command('/build', buildCommand(deps));
  app.command('/lot', lotCommand(deps));
  app.command('/trace', traceCommand(deps));
  app.command('/printer', printerCommand(deps));
  app.command('/buildtrace', buildtraceCommand(deps));

  app.action<BlockButtonAction>(ACTIONS.buildAdvance, buildAdvanceAction(deps));
  app.action<BlockButtonAction>(ACTIONS.buildComplete, buildCompleteAction(deps));
  app.action<BlockButtonAction>(ACTIONS.buildLabels, buildLabelsAction(deps));
  app.action<BlockButtonAction>(ACTIONS.buildCancel, buildCancelAction(deps));
  app.action<BlockButtonAction>(ACTIONS.buildRetry, buildRetryAction(deps));
  app.action<BlockButtonAction>(ACTIONS.lotRecord, lotRecordAction(deps));
  app.action<BlockButtonAction>(ACTIONS.buildPrint, printAction(deps, 'print'));
  app.action<BlockButtonAction>(ACTIONS.runResume, printAction(deps, 'run-resume'));
  app.action<BlockButtonAction>(ACTIONS.runCancel, printAction(deps, 'run-cancel'));
  app.action<BlockButtonAction>(ACTIONS.runPrinted, printAction(deps, 'run-printed'));
  app.action<BlockButtonAction>(ACTIONS.runReprint, printAction(deps, 'run-reprint'));

  app.view({ type: 'view_submission', callback_id: VIEWS.lotRecord }, lotRecordView(deps));
}
