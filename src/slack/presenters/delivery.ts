/** Telling the person who asked that Slack refused what the bot posted, and how to fix it. */
import { ephemeral, type SlackAnswer } from './format.ts';

/** What could not be posted: a build's message, or the label PDF of a run (of a build). */
export type Undelivered =
  | { kind: 'build'; build: string; channel: string }
  | { kind: 'labels'; runId: number; build: string | null; channel: string };

function why(code: string, channel: string): { problem: string; fix: string } {
  const invite = `invite @buildtrace to <#${channel}> (type \`/invite @buildtrace\` there)`;
  switch (code) {
    case 'not_in_channel':
      return { problem: `buildtrace is not a member of <#${channel}>`, fix: invite };
    case 'channel_not_found':
      return {
        problem: `buildtrace cannot see <#${channel}> (a private channel or conversation it was not invited to, or one that was deleted)`,
        fix: invite,
      };
    case 'is_archived':
      return { problem: `<#${channel}> is archived`, fix: 'use a channel that is not archived' };
    case 'restricted_action':
    case 'cant_invite_self':
      return { problem: `the workspace does not let buildtrace post in <#${channel}>`, fix: invite };
    default:
      return {
        problem: `Slack refused it`,
        fix: 'ask an admin to check the app (its scopes and token; docs/slack.md)',
      };
  }
}

export function deliveryFailedAnswer(what: Undelivered, code: string): SlackAnswer {
  const { problem, fix } = why(code, what.channel);
  const subject =
    what.kind === 'build'
      ? `The message of build ${what.build}`
      : `The label PDF${what.build ? ` of build ${what.build}` : ''} (label run ${what.runId})`;
  const then =
    what.kind === 'build'
      ? `The build itself goes on (\`/build status ${what.build}\` shows it); once buildtrace is in the channel, its message is posted at the build's next change.`
      : `Then ${what.build ? `run \`/build labels ${what.build}\` again` : 'ask for the labels again'}; the PDF can also be downloaded: \`GET /api/v1/labels/${what.runId}/pdf\`.`;
  return ephemeral({
    text: `:warning: ${subject} could not be posted in <#${what.channel}>: ${problem} (\`${code}\`). To fix it, ${fix}. ${then}`,
  });
}
