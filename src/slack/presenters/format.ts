/**
 * What presenters return, and the small Block Kit helpers they share. Block Kit is built in
 * presenters only; listeners and jobs hand their results here.
 */
import type { types } from '@slack/bolt';

export type Block = types.KnownBlock;

/** A message: fallback text (notifications, screen readers) and blocks. */
export interface SlackText {
  text: string;
  blocks?: Block[];
}

/** An answer to a command or button, through the ack or the request's response_url. */
export interface SlackAnswer extends SlackText {
  response_type?: 'ephemeral' | 'in_channel';
  replace_original?: boolean;
}

/** Escapes text for mrkdwn (Slack's three control characters). */
export const escape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Cuts text to Slack's section limit (3,000 characters). */
export const clip = (s: string, max = 2_900): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** An actor as Slack shows it: a mention for `slack:<user>`, else the name in code style. */
export function who(actor: string): string {
  const m = /^slack:([UW][A-Z0-9]+)$/.exec(actor);
  return m ? `<@${m[1]}>` : `\`${escape(actor)}\``;
}

/** A date in the reader's own time zone (Slack formats it), with an ISO fallback. */
export function when(date: Date | string): string {
  const d = typeof date === 'string' ? new Date(date) : date;
  return `<!date^${Math.floor(d.getTime() / 1000)}^{date_short_pretty} {time}|${d.toISOString()}>`;
}

/** The object's page, as its label's QR code opens it. */
export const idLink = (publicUrl: string, code: string): string => `<${publicUrl}/id/${code}|${code}>`;

export const section = (text: string): types.SectionBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: clip(text) },
});

export const fields = (pairs: [string, string][]): types.SectionBlock => ({
  type: 'section',
  fields: pairs
    .slice(0, 10)
    .map(([name, value]) => ({ type: 'mrkdwn', text: clip(`*${name}*\n${value}`, 1_900) })),
});

export const context = (...texts: string[]): types.ContextBlock => ({
  type: 'context',
  elements: texts.map((text) => ({ type: 'mrkdwn', text: clip(text, 1_900) })),
});

export const plain = (text: string): types.PlainTextElement => ({ type: 'plain_text', text, emoji: true });

export function button(
  text: string,
  actionId: string,
  value: string,
  options: { style?: 'primary' | 'danger'; confirm?: types.ConfirmationDialog } = {},
): types.Button {
  return { type: 'button', text: plain(text), action_id: actionId, value, ...options };
}

/** An answer only the person who asked sees, as a new message. */
export const ephemeral = (message: SlackText): SlackAnswer => ({
  response_type: 'ephemeral',
  replace_original: false,
  ...message,
});
