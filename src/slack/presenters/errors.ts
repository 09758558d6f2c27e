/** Refusals as short answers: what was wrong, in the person's words; never a stack trace. */
import {
  DomainError,
  ForbiddenError,
  NotFoundError,
  RuleViolation,
  ValidationError,
} from '../../domain/errors.ts';
import { ephemeral, escape, type SlackAnswer } from './format.ts';

export function errorAnswer(error: unknown, slackUser: string): SlackAnswer {
  if (error instanceof ForbiddenError) {
    const needed = /needs the (\w+) role/.exec(error.message)?.[1] ?? 'a higher';
    const actual = / is (\w+)$/.exec(error.message)?.[1];
    return ephemeral({
      text: `:lock: That needs the ${needed} role${actual ? `; you are a ${actual}` : ''}. An admin can change it: \`buildtrace slack-user set --user ${slackUser} --role ${needed}\``,
    });
  }
  if (error instanceof ValidationError)
    return ephemeral({
      text: `:warning: ${escape(error.problems.map((p) => `${p.field}: ${p.message}`).join('; '))}`,
    });
  if (error instanceof RuleViolation) {
    const shortages = error.details?.shortages as
      { partName: string; part: string; needed: number; available: number }[] | undefined;
    if (shortages?.length)
      return ephemeral({
        text: `:warning: Not enough stock:\n${shortages.map((s) => `• ${escape(s.partName)} (\`${s.part}\`): needs ${s.needed}, ${s.available} available`).join('\n')}`,
      });
  }
  if (error instanceof NotFoundError && error.field && error.message.startsWith(`${error.field}: `))
    return ephemeral({ text: `:warning: ${escape(error.message.slice(error.field.length + 2))}` });
  if (error instanceof DomainError) return ephemeral({ text: `:warning: ${escape(error.message)}` });
  return ephemeral({
    text: ':boom: Something went wrong on our side; it has been logged. Try again in a moment.',
  });
}

/** For a Slack user without any role (SLACK_UNKNOWN_USER_ROLE=none). */
export function notAllowedAnswer(slackUser: string): SlackAnswer {
  return ephemeral({
    text: `:lock: You have no role in buildtrace yet. An admin can add you: \`buildtrace slack-user set --user ${slackUser} --role viewer\``,
  });
}
