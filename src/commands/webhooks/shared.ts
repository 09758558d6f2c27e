/** What the webhook use cases share: ids, finders, the message body and the delivery job. */
import { randomBytes } from 'node:crypto';
import { NotFoundError } from '../../domain/errors.ts';
import { withAbsoluteLinks, type StoredEvent } from '../../domain/events.ts';
import { jobRequest } from '../jobs.ts';
import type { Repositories, WebhookDelivery, WebhookEndpoint } from '../ports.ts';
import { numericId } from '../validation.ts';

/** A rotated-out secret keeps signing this long, so receivers can switch without losing messages. */
export const SECRET_OVERLAP_MS = 24 * 3_600_000;

/** A webhook endpoint's or delivery's id. */
export const id = numericId;

/** A new Standard Webhooks message id. */
export const messageId = () => `msg_${randomBytes(16).toString('base64url')}`;

/**
 * The exact body sent for an event: Standard Webhooks' `{type, timestamp, data}`, with its links
 * absolute when `publicUrl` (PUBLIC_URL) is given.
 */
export function eventBody(
  event: Pick<StoredEvent, 'type' | 'occurredAt' | 'data' | 'stream' | 'sequence'>,
  publicUrl?: string,
): string {
  const data = publicUrl === undefined ? event.data : withAbsoluteLinks(event.data, publicUrl);
  return JSON.stringify({
    type: event.type,
    timestamp: event.occurredAt.toISOString(),
    data: { ...data, stream: event.stream, sequence: event.sequence },
  });
}

export async function findEndpoint(
  repos: Repositories,
  endpointId: number,
  lock = false,
): Promise<WebhookEndpoint> {
  const endpoint = await repos.webhooks.findEndpoint(endpointId, { lock });
  if (!endpoint)
    throw new NotFoundError(
      'webhook endpoint',
      String(endpointId),
      `webhook endpoint ${endpointId} does not exist`,
      'id',
    );
  return endpoint;
}

export async function findDelivery(
  repos: Repositories,
  deliveryId: number,
  lock = false,
): Promise<WebhookDelivery> {
  const delivery = await repos.webhooks.findDelivery(deliveryId, { lock });
  if (!delivery)
    throw new NotFoundError(
      'webhook delivery',
      String(deliveryId),
      `webhook delivery ${deliveryId} does not exist`,
      'id',
    );
  return delivery;
}

/** Active secrets, newest first (expired rotated-out ones dropped). */
export function activeSecrets(endpoint: Pick<WebhookEndpoint, 'secrets'>, now = new Date()): string[] {
  return endpoint.secrets
    .filter((s) => s.expiresAt === null || new Date(s.expiresAt) > now)
    .map((s) => s.secret);
}

/** The `webhooks.deliver` job of one attempt (a manual one gets an id of its own). */
export const deliverJob = (deliveryId: number, attempt: number, manual = false) =>
  jobRequest(
    'webhooks.deliver',
    { deliveryId, attempt, manual },
    `delivery-${deliveryId}-${attempt}${manual ? `-manual-${Date.now()}` : ''}`,
  );
