import * as webhooks from '../../commands/webhooks.ts';
import type { WebhookEndpoint } from '../../commands/ports.ts';
import { route } from '../route.ts';
import {
  WebhookDeliveryDetailOut,
  WebhookDeliveryOut,
  WebhookEndpointOut,
  WebhookEndpointWithSecretOut,
  WebhookRedeliveryOut,
  pageOf,
} from '../schemas.ts';

const tag = 'Webhooks';

/** Secrets never leave the API again after creation or rotation: only their prefixes. */
const present = <E extends WebhookEndpoint>(endpoint: E) => ({
  ...endpoint,
  secrets: endpoint.secrets.map((s) => ({ prefix: `${s.secret.slice(0, 12)}…`, expiresAt: s.expiresAt })),
});

export const webhookRoutes = [
  route({
    method: 'get',
    path: '/webhook-endpoints',
    tag,
    command: webhooks.listWebhookEndpoints,
    response: pageOf(WebhookEndpointOut),
    present: (p: { items: WebhookEndpoint[]; nextCursor: string | null }) => ({
      ...p,
      items: p.items.map(present),
    }),
  }),
  route({
    method: 'post',
    path: '/webhook-endpoints',
    tag,
    command: webhooks.createWebhookEndpoint,
    status: 201,
    response: WebhookEndpointWithSecretOut,
    present,
    description:
      'The URL is checked: http(s) only, and it must resolve to public addresses unless its host or address is in WEBHOOK_ALLOW_LIST (checked again at every connection). Event types are patterns: `build.completed`, `build.*`, `*`.',
  }),
  route({
    method: 'get',
    path: '/webhook-endpoints/{id}',
    tag,
    command: webhooks.getWebhookEndpoint,
    response: WebhookEndpointOut,
    present,
    versioned: 'webhook_endpoints',
  }),
  route({
    method: 'patch',
    path: '/webhook-endpoints/{id}',
    tag,
    command: webhooks.updateWebhookEndpoint,
    response: WebhookEndpointOut,
    present,
    description: '`enabled: true` re-enables an endpoint that was disabled (and clears its failure clock).',
  }),
  route({
    method: 'delete',
    path: '/webhook-endpoints/{id}',
    tag,
    command: webhooks.deleteWebhookEndpoint,
    status: 204,
  }),
  route({
    method: 'post',
    path: '/webhook-endpoints/{id}/rotate-secret',
    tag,
    command: webhooks.rotateWebhookSecret,
    response: WebhookEndpointWithSecretOut,
    present,
    description:
      'Each rotated-out secret keeps signing for 24 hours from its rotation: two signatures after a rotation, three after a second one within 24 hours, and so on.',
  }),
  route({
    method: 'post',
    path: '/webhook-endpoints/{id}/test',
    tag,
    command: webhooks.pingWebhookEndpoint,
    status: 202,
    response: WebhookDeliveryOut,
  }),
  route({
    method: 'get',
    path: '/webhook-endpoints/{id}/deliveries',
    tag,
    command: webhooks.listWebhookDeliveries,
    response: pageOf(WebhookDeliveryOut),
  }),
  route({
    method: 'get',
    path: '/webhook-deliveries/{id}',
    tag,
    command: webhooks.getWebhookDelivery,
    response: WebhookDeliveryDetailOut,
  }),
  route({
    method: 'post',
    path: '/webhook-deliveries/{id}/redeliver',
    tag,
    command: webhooks.redeliverWebhook,
    status: 202,
    response: WebhookRedeliveryOut,
    description:
      'Queues one more attempt now, with the same `webhook-id` and body (the endpoint must be enabled: 409 otherwise). Answers the delivery with `nextAttemptAt` now and `redelivery.attempt`, the number the attempt gets in the log; `status` changes when it is recorded. An attempt already due — a redelivery asked for moments ago, or a retry whose time has come (within 5 minutes) — is not queued again: the answer names it. A delivery that failed or succeeded gets this one attempt, not a new retry schedule; one still pending or retrying (or cancelled) is attempted now and retried on the schedule if this attempt fails.',
  }),
];
