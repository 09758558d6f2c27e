/** What buildtrace keeps about Slack: its users' roles, and the messages it posts. */
import type { Role } from './roles.ts';

/** A Slack user's buildtrace role (Slack user → actor `slack:<user id>`). */
export interface SlackUser {
  id: number;
  /** Slack's user ID, e.g. `U024BE7LH`. */
  userId: string;
  role: Role;
  /** Who this is, for people reading the list. */
  name: string | null;
  updatedBy: string;
  createdAt: Date;
  updatedAt: Date;
}

/** build = a build's message (posted, then updated) · reply = a thread reply · upload = a file. */
export const SLACK_MESSAGE_KINDS = ['build', 'reply', 'upload', 'alert'] as const;
export type SlackMessageKind = (typeof SLACK_MESSAGE_KINDS)[number];

/** A message buildtrace posts to Slack, keyed by what it represents (its subject). */
export interface SlackMessage {
  id: number;
  /** e.g. `build:<code>`, `build:<code>:completed`, `labels:<run id>`. */
  subject: string;
  kind: SlackMessageKind;
  channel: string;
  buildId: number | null;
  labelRunId: number | null;
  /** The message a reply or upload is threaded under. */
  parentId: number | null;
  requestedBy: string;
  /** Slack's timestamp of the posted message: set once posted. */
  ts: string | null;
  /** The uploaded file (uploads): set once its bytes are on Slack. */
  fileId: string | null;
  /** Of the content last sent, so an unchanged rendering is not sent again. */
  contentHash: string | null;
  postedAt: Date | null;
  updatedAt: Date | null;
  leaseOwner: string | null;
  /** Whether the lease is still running (by the database's clock). */
  leaseActive: boolean;
  /** Set while an attempt's outcome is unknown: the next one looks in the channel before posting. */
  uncertainSince: Date | null;
  createdAt: Date;
  /** The response_url of the request that asked for it (Slack accepts it for 30 minutes). */
  responseUrl: string | null;
  /** When Slack refused it for good, and Slack's error code (`not_in_channel` …). */
  failedAt: Date | null;
  error: string | null;
}

export const SLACK_DELIVERY_STATUSES = ['pending', 'posted', 'failed'] as const;
export type SlackDeliveryStatus = (typeof SLACK_DELIVERY_STATUSES)[number];

/** How a build's message or a label PDF fared in Slack, as the API shows it. */
export interface SlackDelivery {
  channel: string;
  status: SlackDeliveryStatus;
  /** Slack's error code when it refused (e.g. `not_in_channel`). */
  error: string | null;
  postedAt: Date | null;
  failedAt: Date | null;
}
