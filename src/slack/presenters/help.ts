/** Usage answers: bad or incomplete text gets these, never an error. */
import { BUILD_USAGE, BUILDTRACE_USAGE, LOT_USAGE, TRACE_USAGE } from '../../domain/slack-commands.ts';
import { ephemeral, type SlackAnswer } from './format.ts';

export function usageAnswer(problem: string, usage: string): SlackAnswer {
  const first = problem ? `${problem.charAt(0).toUpperCase()}${problem.slice(1)}.\n` : '';
  return ephemeral({ text: `${first}Usage:\n${usage}` });
}

export function helpAnswer(): SlackAnswer {
  return ephemeral({
    text: `*buildtrace*\n${BUILD_USAGE}\n${LOT_USAGE}\n${TRACE_USAGE}\n${BUILDTRACE_USAGE}\n\`/printer help\` — the label printers (list, status; admins add and remove them)\nBuilds and lots are named by ID code (any case; hyphens and spaces are ignored).`,
  });
}
