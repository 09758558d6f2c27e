/** Alerts sent to Slack admins in a direct message. */
import type { WebhookEndpoint } from '../../commands/ports.ts';
import { endpointOrigin } from '../../domain/webhooks.ts';
import { clip, escape, type SlackText } from './format.ts';

export function webhookDisabledAlert(
  endpoint: Pick<WebhookEndpoint, 'id' | 'url' | 'disabledReason' | 'eventTypes'>,
): SlackText {
  // The origin only: a path or query often carries the receiver's token, which a DM must not spread.
  const where = endpointOrigin(endpoint.url);
  const text = `:warning: Webhook endpoint ${endpoint.id} (${where}) was disabled: ${endpoint.disabledReason ?? 'no reason given'}. Its deliveries are stopped until an admin re-enables it.`;
  return {
    text,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: clip(
            `:warning: *Webhook endpoint ${endpoint.id} was disabled*\n${escape(where)}\n_${escape(endpoint.disabledReason ?? 'no reason given')}_\n` +
              `Events \`${escape(endpoint.eventTypes.join(', '))}\` are not delivered until an admin re-enables it: ` +
              `\`PATCH /api/v1/webhook-endpoints/${endpoint.id}\` with \`{"enabled": true}\`.`,
          ),
        },
      },
    ],
  };
}
