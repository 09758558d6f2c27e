/**
 * The work behind a Slack command or button, run by the workers (`slack.answer`, workers/slack.answer.ts)
 * after the web process has acknowledged the request and handed it over: the web process only
 * verifies, parses and acks, so an ack never waits behind another request's work.
 *
 * The text is parsed again here (parsing is pure; the web process answered text that does not parse
 * in the ack itself, so here it always parses unless the job is older than a change to the parser).
 */
import {
  getBuild,
  getUnit,
  advanceBuild,
  cancelBuild,
  completeBuild,
  retryBuild,
} from '../commands/builds.ts';
import { execute } from '../commands/define.ts';
import { listLotHistory } from '../commands/history.ts';
import { getLocation } from '../commands/locations.ts';
import { getLot } from '../commands/lots.ts';
import { getPart } from '../commands/parts.ts';
import { requestLabelsFromSlack, startBuildFromSlack } from '../commands/slack.ts';
import { createSignInLink, signOutSlackUser } from '../commands/sessions.ts';
import { traceBackward, traceForward } from '../commands/trace.ts';
import type { Actor } from '../domain/roles.ts';
import {
  parseBuildCommand,
  parseBuildtraceCommand,
  parseLotCommand,
  parseTraceCommand,
  type BuildRequest,
  type BuildtraceRequest,
  type LotRequest,
  type TraceRequest,
} from '../domain/slack-commands.ts';
import { parsePrinterCommand, type PrinterRequest } from '../domain/slack-printer-commands.ts';
import { answerOnce, type AnswerOutcome, type SlackRequest } from './answer.ts';
import { printFromSlack, printerWork, runButton } from './printer-requests.ts';
import type { SlackDeps } from './deps.ts';
import {
  SLACK_CANCEL_WITHOUT_REASON,
  buildRequested,
  buildStatus,
  labelsRequested,
  operationRequested,
} from './presenters/build.ts';
import { helpAnswer, usageAnswer } from './presenters/help.ts';
import type { SlackAnswer } from './presenters/format.ts';
import { RECENT_HISTORY, lotAnswer } from './presenters/lot.ts';
import { signInLinkAnswer, signedOutAnswer } from './presenters/sign-in.ts';
import { backwardAnswer, forwardAnswer } from './presenters/trace.ts';

export type { SlackRequest };
export type SlackButton = Extract<SlackRequest['request'], { kind: 'button' }>['action'];

/** Devices listed in a forward answer (the total and per-build counts cover all of them). */
const FORWARD_LIMIT = 20;

type Work = (actor: Actor, deps: SlackDeps) => Promise<SlackAnswer>;

function buildWork(request: BuildRequest, r: SlackRequest): Work {
  return async (actor, deps) => {
    switch (request.kind) {
      case 'help':
        return helpAnswer();
      case 'start': {
        const { build } = await execute(deps, startBuildFromSlack, actor, {
          project: request.project,
          quantity: request.quantity,
          trackUnits: request.trackUnits,
          stages: request.stages,
          acceptIncompleteBom: request.acceptIncompleteBom ?? false,
          channel: r.channel,
          responseUrl: r.responseUrl,
        });
        return buildRequested(build, request.quantity, request.trackUnits);
      }
      case 'advance':
        return operationRequested(
          await execute(deps, advanceBuild, actor, { code: request.build, comment: request.comment }),
        );
      case 'complete':
        return operationRequested(
          await execute(deps, completeBuild, actor, {
            code: request.build,
            ...(request.serials ? { serials: request.serials } : {}),
          }),
        );
      case 'cancel':
        return operationRequested(
          await execute(deps, cancelBuild, actor, {
            code: request.build,
            reason: request.reason ?? SLACK_CANCEL_WITHOUT_REASON,
          }),
        );
      case 'retry':
        return operationRequested(await execute(deps, retryBuild, actor, { code: request.build }));
      case 'status':
        return buildStatus(
          await execute(deps, getBuild, actor, { code: request.build }),
          deps.config.publicUrl,
        );
      case 'labels':
        return labelsRequested(
          await execute(deps, requestLabelsFromSlack, actor, {
            build: request.build,
            template: request.template,
            serials: request.serials,
            dpi: request.dpi,
            channel: r.channel,
            responseUrl: r.responseUrl,
          }),
          request.build,
        );
      case 'print':
        return printFromSlack(actor, deps, {
          build: request.build,
          printer: request.printer,
          serials: request.serials,
          channel: r.channel,
          responseUrl: r.responseUrl,
        });
    }
  };
}

function lotWork(request: LotRequest): Work {
  return async (actor, deps) => {
    if (request.kind === 'help') return helpAnswer();
    const lot =
      request.kind === 'unit'
        ? await execute(deps, getUnit, actor, { code: request.build, serial: request.serial })
        : await execute(deps, getLot, actor, {
            code: request.kind === 'lot' ? request.code : request.serial,
          });
    const history = await execute(deps, listLotHistory, actor, {
      code: lot.code,
      limit: RECENT_HISTORY,
      order: 'desc',
    });
    // Names, not only codes: what the part is and where the lot is.
    const part = await execute(deps, getPart, actor, { code: lot.partCode });
    const location = lot.locationCode
      ? await execute(deps, getLocation, actor, { code: lot.locationCode })
      : null;
    return lotAnswer(lot, history.items, deps.config.publicUrl, {
      partName: part.name,
      locationName: location?.name ?? null,
    });
  };
}

/** `/buildtrace login`: a one-time link to `<PUBLIC_URL>/signin/<secret>`; `logout` ends the user's sessions. */
function buildtraceWork(request: BuildtraceRequest): Work {
  return async (actor, deps) => {
    if (request.kind === 'help') return helpAnswer();
    if (request.kind === 'logout')
      return signedOutAnswer((await execute(deps, signOutSlackUser, actor, {})).ended);
    const link = await execute(deps, createSignInLink, actor, {});
    return signInLinkAnswer(`${deps.config.publicUrl}/signin/${link.secret}`, link.expiresAt, link.role);
  };
}

function traceWork(request: TraceRequest): Work {
  return async (actor, deps) => {
    if (request.kind === 'help') return helpAnswer();
    return request.direction === 'forward'
      ? forwardAnswer(await execute(deps, traceForward, actor, { code: request.code, limit: FORWARD_LIMIT }))
      : backwardAnswer(await execute(deps, traceBackward, actor, { code: request.code }));
  };
}

function buttonWork(action: SlackButton, value: string, r: SlackRequest): Work {
  return async (actor, deps) => {
    switch (action) {
      case 'advance':
        return operationRequested(await execute(deps, advanceBuild, actor, { code: value }));
      case 'complete':
        return operationRequested(await execute(deps, completeBuild, actor, { code: value }));
      case 'cancel':
        return operationRequested(
          await execute(deps, cancelBuild, actor, { code: value, reason: SLACK_CANCEL_WITHOUT_REASON }),
        );
      case 'retry':
        return operationRequested(await execute(deps, retryBuild, actor, { code: value }));
      case 'labels':
        return labelsRequested(
          await execute(deps, requestLabelsFromSlack, actor, {
            build: value,
            channel: r.channel,
            responseUrl: r.responseUrl,
          }),
          value || undefined,
        );
      case 'print':
        // The Print button on a build's message: its project's default printer.
        return printFromSlack(actor, deps, {
          build: value,
          printer: 'default',
          channel: r.channel,
          responseUrl: r.responseUrl,
        });
      case 'run-resume':
      case 'run-cancel':
      case 'run-printed':
      case 'run-reprint':
        return runButton(actor, deps, action, value);
    }
  };
}

/** The work a request asks for, or the usage answer when its text does not parse. */
function workOf(r: SlackRequest): Work {
  const { request } = r;
  if (request.kind === 'button') return buttonWork(request.action, request.value, r);
  const parsed =
    request.command === '/build'
      ? parseBuildCommand(request.text)
      : request.command === '/lot'
        ? parseLotCommand(request.text)
        : request.command === '/printer'
          ? parsePrinterCommand(request.text)
          : request.command === '/buildtrace'
            ? parseBuildtraceCommand(request.text)
            : parseTraceCommand(request.text);
  if (!parsed.ok) {
    const usage = usageAnswer(parsed.problem, parsed.usage);
    return () => Promise.resolve(usage);
  }
  if (request.command === '/build') return buildWork(parsed.request as BuildRequest, r);
  if (request.command === '/lot') return lotWork(parsed.request as LotRequest);
  if (request.command === '/printer') return printerWork(parsed.request as PrinterRequest);
  if (request.command === '/buildtrace') return buildtraceWork(parsed.request as BuildtraceRequest);
  return traceWork(parsed.request as TraceRequest);
}

/** Runs a handed-over request as its user and queues its answer, once (see {@link answerOnce}). */
export function runSlackRequest(deps: SlackDeps, r: SlackRequest): Promise<AnswerOutcome> {
  return answerOnce(deps, { user: r.user, responseUrl: r.responseUrl, key: r.key }, workOf(r));
}
