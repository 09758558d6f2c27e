/** `/lot <ID code>`, `/lot <formatted serial>` or `/lot <build> <serial>`: a lot or device with its 5 most recent history items. */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { getUnit } from '../../../commands/builds.ts';
import { execute } from '../../../commands/define.ts';
import { listLotHistory } from '../../../commands/history.ts';
import { getLocation } from '../../../commands/locations.ts';
import { getLot } from '../../../commands/lots.ts';
import { getPart } from '../../../commands/parts.ts';
import { parseLotCommand } from '../../../domain/slack-commands.ts';
import { answerAs, requestKey } from '../../answer.ts';
import type { SlackDeps } from '../../deps.ts';
import { helpAnswer, usageAnswer } from '../../presenters/help.ts';
import { RECENT_HISTORY, lotAnswer } from '../../presenters/lot.ts';

export function lotCommand(deps: SlackDeps) {
  return async ({ command, ack }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = parseLotCommand(command.text);
    if (!parsed.ok) return ack(usageAnswer(parsed.problem, parsed.usage));
    const request = parsed.request;
    if (request.kind === 'help') return ack(helpAnswer());
    await ack();
    const origin = { user: command.user_id, responseUrl: command.response_url, key: requestKey(command) };
    await answerAs(deps, origin, async (actor) => {
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
    });
  };
}
