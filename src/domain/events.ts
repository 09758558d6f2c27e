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
  'lot.status_changed',
  'lot.event_recorded',
  'recall.ready',
  'recall.failed',
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

/** Whether an event type matches a subscription pattern such as `build.*`, `*` or `lot.status_changed`. */
export function eventMatches(pattern: string, type: string): boolean {
  if (pattern === '*' || pattern === type) return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return false;
}
