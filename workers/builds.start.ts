/** builds.start — runs a queued 'start' operation of a build; a second run finds it done and does nothing. */
import { performBuildOperation } from '../src/commands/builds.ts';
import { execute } from '../src/commands/define.ts';
import { queueBuildMessageUpdate } from '../src/commands/slack.ts';
import { SYSTEM_ACTOR } from '../src/domain/roles.ts';
import { defineProcessor } from './define.ts';

export default defineProcessor('builds.start', async ({ operationId }, { app }) => {
  const operation = await performBuildOperation({ uow: app.uow }, operationId);
  // A start refused here (stock taken since the request) announces no event: a build's Slack
  // message, if it has one, is refreshed to show it is planned again, and why.
  if (operation?.status === 'failed')
    await execute({ uow: app.uow }, queueBuildMessageUpdate, SYSTEM_ACTOR, {
      buildId: operation.buildId,
      reason: `start-failed-${operation.id}`,
    });
  return { status: operation?.status ?? 'missing', error: operation?.error ?? null };
});
