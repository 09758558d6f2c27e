/**
 * Webhook use cases, by concern under `webhooks/`. Endpoints subscribe to event types; every relayed
 * event becomes one delivery per matching endpoint (`webhookSubscriber`), and each delivery attempt
 * is one `webhooks.deliver` job. Deliveries follow Standard Webhooks (signed
 * `webhook-id`/`webhook-timestamp`/`webhook-signature`), retry with backoff as delayed jobs, are
 * logged attempt by attempt, can be redelivered by hand, and an endpoint that answers 410 or keeps
 * failing for a day is disabled (event `webhook_endpoint.disabled`, which Slack tells the admins
 * about).
 */
export { SECRET_OVERLAP_MS, activeSecrets, eventBody } from './webhooks/shared.ts';
export {
  createWebhookEndpoint,
  listWebhookEndpoints,
  getWebhookEndpoint,
  updateWebhookEndpoint,
  deleteWebhookEndpoint,
  rotateWebhookSecret,
} from './webhooks/endpoints.ts';
export { pingWebhookEndpoint } from './webhooks/ping.ts';
export { listWebhookDeliveries, getWebhookDelivery } from './webhooks/deliveries.ts';
export { redeliverWebhook } from './webhooks/redeliver.ts';
export { webhookSubscriber } from './webhooks/subscriber.ts';
export { deliverWebhook, type WebhookSendResult, type WebhookSender } from './webhooks/deliver.ts';
export { settleWebhookDelivery } from './webhooks/settle.ts';
