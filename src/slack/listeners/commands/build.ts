/**
 * `/build start|advance|complete|cancel|retry|status|labels|help`. Bad or incomplete text is answered in
 * the ack itself (parsing is pure and takes microseconds, so the ack is still immediate and nothing
 * is queued); anything else is acknowledged at once, then run as the user's command — which only
 * records the request and hands the work to the queues — and answered through response_url.
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import {
  getBuild,
  requestAdvance,
  requestCancel,
  requestCompletion,
  retryBuild,
} from '../../../commands/builds.ts';
import { execute } from '../../../commands/define.ts';
import { requestLabelsFromSlack, startBuildFromSlack } from '../../../commands/slack.ts';
import { parseBuildCommand } from '../../../domain/slack-commands.ts';
import { answerAs, requestKey } from '../../answer.ts';
import type { SlackDeps } from '../../deps.ts';
import {
  SLACK_CANCEL_WITHOUT_REASON,
  buildRequested,
  buildStatus,
  labelsRequested,
  operationRequested,
} from '../../presenters/build.ts';
import { helpAnswer, usageAnswer } from '../../presenters/help.ts';

export function buildCommand(deps: SlackDeps) {
  return async ({ command, ack }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = parseBuildCommand(command.text);
    if (!parsed.ok) return ack(usageAnswer(parsed.problem, parsed.usage));
    const request = parsed.request;
    if (request.kind === 'help') return ack(helpAnswer());
    await ack();
    const origin = { user: command.user_id, responseUrl: command.response_url, key: requestKey(command) };
    await answerAs(deps, origin, async (actor) => {
      switch (request.kind) {
        case 'start': {
          const { build } = await execute(deps, startBuildFromSlack, actor, {
            project: request.project,
            quantity: request.quantity,
            trackUnits: request.trackUnits,
            stages: request.stages,
            acceptIncompleteBom: request.acceptIncompleteBom ?? false,
            channel: command.channel_id,
            responseUrl: command.response_url,
          });
          return buildRequested(build, request.quantity, request.trackUnits);
        }
        case 'advance':
          return operationRequested(
            await execute(deps, requestAdvance, actor, { code: request.build, comment: request.comment }),
          );
        case 'complete':
          return operationRequested(
            await execute(deps, requestCompletion, actor, {
              code: request.build,
              ...(request.serials ? { serials: request.serials } : {}),
            }),
          );
        case 'cancel':
          return operationRequested(
            await execute(deps, requestCancel, actor, {
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
              channel: command.channel_id,
              responseUrl: command.response_url,
            }),
            request.build,
          );
      }
    });
  };
}
