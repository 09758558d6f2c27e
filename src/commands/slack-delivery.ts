/** How a Slack message fared, as the API shows it on a build or a label run. */
import type { Repositories, SlackDelivery, SlackMessage } from './ports.ts';

export function slackDelivery(message: SlackMessage | null): SlackDelivery | null {
  if (!message) return null;
  return {
    channel: message.channel,
    status: message.postedAt ? 'posted' : message.failedAt ? 'failed' : 'pending',
    error: message.postedAt ? null : message.error,
    postedAt: message.postedAt,
    failedAt: message.postedAt ? null : message.failedAt,
  };
}

/** The Slack delivery of the message with this subject (`build:<code>`, `labels:<run>`), if any. */
export async function slackDeliveryOf(repos: Repositories, subject: string): Promise<SlackDelivery | null> {
  return slackDelivery(await repos.slackMessages.findBySubject(subject));
}
