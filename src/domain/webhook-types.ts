/**
 * Webhook endpoints and their deliveries, as storage keeps them. (The delivery rules — retries,
 * disabling, signing secrets, address checks — are in `webhooks.ts`.)
 */

export const WEBHOOK_ENDPOINT_STATUSES = ['active', 'disabled'] as const;
export type WebhookEndpointStatus = (typeof WEBHOOK_ENDPOINT_STATUSES)[number];

export interface WebhookEndpoint {
  id: number;
  url: string;
  description: string | null;
  eventTypes: string[];
  /** Newest first. A rotated-out secret keeps signing until it expires. */
  secrets: { secret: string; expiresAt: string | null }[];
  status: WebhookEndpointStatus;
  disabledReason: string | null;
  disabledAt: Date | null;
  failingSince: Date | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export const DELIVERY_STATUSES = ['pending', 'retrying', 'succeeded', 'failed', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface WebhookDelivery {
  id: number;
  messageId: string;
  endpointId: number;
  eventId: number | null;
  eventType: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookAttemptRecord {
  number: number;
  manual: boolean;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  responseExcerpt: string | null;
  error: string | null;
  outcome: string;
}

/** A delivery with its endpoint, as an attempt starts. */
export interface DeliveryState {
  delivery: WebhookDelivery;
  endpoint: WebhookEndpoint;
}
