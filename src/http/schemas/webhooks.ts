import { z } from 'zod';
import {
  DELIVERY_STATUSES,
  WEBHOOK_ENDPOINT_STATUSES,
  type WebhookAttemptRecord,
  type WebhookDelivery,
  type WebhookEndpoint,
} from '../../domain/webhook-types.ts';
import { timestamp, type Assert, type SameKeys } from './common.ts';

export const WebhookEndpointOut = z
  .object({
    id: z.int(),
    url: z.string(),
    description: z.string().nullable(),
    eventTypes: z.array(z.string()),
    status: z.enum(WEBHOOK_ENDPOINT_STATUSES),
    disabledReason: z.string().nullable(),
    disabledAt: timestamp.nullable(),
    failingSince: timestamp.nullable(),
    secrets: z
      .array(z.object({ prefix: z.string(), expiresAt: z.string().nullable() }))
      .describe('active secrets, newest first, by prefix'),
    createdBy: z.string(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'WebhookEndpoint' });

type _WebhookEndpointKeys = Assert<SameKeys<z.output<typeof WebhookEndpointOut>, WebhookEndpoint>>;

export const WebhookEndpointWithSecretOut = WebhookEndpointOut.extend({
  secret: z.string().describe('the new signing secret (whsec_…); shown only now'),
}).meta({ id: 'WebhookEndpointWithSecret' });

export const WebhookDeliveryOut = z
  .object({
    id: z.int(),
    messageId: z.string().describe('the webhook-id header: the same on every attempt'),
    endpointId: z.int(),
    eventType: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.int(),
    nextAttemptAt: timestamp.nullable(),
    lastStatusCode: z.int().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'WebhookDelivery' });

type _WebhookDeliveryKeys = Assert<
  SameKeys<z.output<typeof WebhookDeliveryOut>, WebhookDelivery, 'eventId' | 'body'>
>;

export const WebhookRedeliveryOut = WebhookDeliveryOut.extend({
  nextAttemptAt: timestamp.nullable().describe('now: the redelivery is due at once'),
  redelivery: z
    .object({
      attempt: z.int().describe('the number the queued attempt gets in the attempt log'),
    })
    .describe('the attempt this request queued (or found due); `status` moves when it is recorded'),
}).meta({ id: 'WebhookRedelivery' });

export const WebhookDeliveryDetailOut = WebhookDeliveryOut.extend({
  body: z.string().describe('the exact body sent'),
  attemptLog: z.array(
    z.object({
      number: z.int(),
      manual: z.boolean(),
      startedAt: timestamp,
      durationMs: z.int(),
      statusCode: z.int().nullable(),
      responseExcerpt: z.string().nullable(),
      error: z.string().nullable(),
      outcome: z.string(),
    }),
  ),
}).meta({ id: 'WebhookDeliveryDetail' });

type _WebhookAttemptKeys = Assert<
  SameKeys<z.output<typeof WebhookDeliveryDetailOut>['attemptLog'][number], WebhookAttemptRecord>
>;
