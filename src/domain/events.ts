/**
 * Events: what happened, as written to the outbox in the same transaction as the change, and
 * delivered to webhook subscribers and Slack. `stream` groups the events of one object (a build, a
 * lot) and each carries a sequence number within its stream so receivers can order them.
 */

export const EVENT_TYPES = [
  'build.started',
  'build.stage_completed',
  'build.units_completed',
  'build.completed',
  'build.cancelled',
  'build.operation_failed',
  'lots.generated',
  'labels.ready',
  'labels.failed',
  'labels.printed',
  'labels.paused',
  'labels.resumed',
  'labels.cancelled',
  'lot.status_changed',
  'lot.event_recorded',
  'recall.ready',
  'recall.failed',
  'shipment.created',
  'webhook_endpoint.disabled',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface NewEvent {
  type: EventType;
  /** e.g. `build:7K3M9Q2XAB` or `lot:…` — events in one stream are numbered 1, 2, 3 … */
  stream: string;
  data: Record<string, unknown>;
}

export interface StoredEvent extends NewEvent {
  id: number;
  sequence: number;
  occurredAt: Date;
}

/** Fields of event data that hold a path of this deployment's API, e.g. `/api/v1/labels/7/pdf`. */
export const EVENT_LINK_FIELDS: readonly string[] = ['download', 'report'];

/**
 * Event data for a receiver elsewhere: its links ({@link EVENT_LINK_FIELDS}) made absolute against
 * `publicUrl` (PUBLIC_URL, the address people and systems reach this deployment at). Events keep
 * paths, so a move to another address shows in every delivery made after it.
 */
export function withAbsoluteLinks(data: Record<string, unknown>, publicUrl: string): Record<string, unknown> {
  const base = publicUrl.replace(/\/+$/, '');
  const out = { ...data };
  for (const field of EVENT_LINK_FIELDS) {
    const value = out[field];
    if (typeof value === 'string' && value.startsWith('/') && !value.startsWith('//'))
      out[field] = base + value;
  }
  return out;
}

/**
 * Event types about the webhook endpoints themselves. They are for whoever runs the integrations,
 * not for every receiver: `*` does not match them; an endpoint gets them only by naming them
 * (`webhook_endpoint.disabled`, `webhook_endpoint.*`).
 */
export const isOptInEventType = (type: string): boolean => type.startsWith('webhook_endpoint.');

/**
 * Whether an event type matches a subscription pattern such as `build.*`, `*` or
 * `lot.status_changed` (`*` matches every type but the opt-in ones, see {@link isOptInEventType}).
 */
export function eventMatches(pattern: string, type: string): boolean {
  if (pattern === type) return true;
  if (pattern === '*') return !isOptInEventType(type);
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return false;
}
