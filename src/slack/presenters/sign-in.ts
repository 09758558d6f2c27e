/** Answers to `/buildtrace login` and `/buildtrace logout`: only the person who asked sees them. */
import type { Role } from '../../domain/roles.ts';
import { ephemeral, type SlackAnswer } from './format.ts';

export function signInLinkAnswer(url: string, expiresAt: Date, role: Role): SlackAnswer {
  const minutes = Math.max(1, Math.round((expiresAt.getTime() - Date.now()) / 60_000));
  const text = `Your sign-in link for the scan pages (${role}; works once, for ${minutes} minutes — do not share it): ${url}`;
  return ephemeral({
    text,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:key: *Sign in to the scan pages* as ${role}.\nThe link works once, within ${minutes} minutes. Only you can see this message; do not forward it.`,
        },
        accessory: {
          type: 'button',
          text: { type: 'plain_text', text: 'Sign in' },
          url,
          style: 'primary',
          action_id: 'sign-in-link',
        },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `<${url}|${url}>` }] },
    ],
  });
}

export function signedOutAnswer(ended: number): SlackAnswer {
  return ephemeral({
    text:
      ended === 0
        ? 'You were not signed in to the scan pages anywhere.'
        : `Signed out of the scan pages: ${ended} session${ended === 1 ? '' : 's'} ended.`,
  });
}
