import type { Page, PageRequest } from '../../domain/page.ts';
import type { Role } from '../../domain/roles.ts';
import type { SlackMessage, SlackMessageKind, SlackUser } from '../../domain/slack-types.ts';

export interface SlackUserRepository {
  /** Sets a Slack user's role (and name), adding the user when new. */
  upsert(user: {
    userId: string;
    role: Role;
    name?: string | null | undefined;
    updatedBy: string;
  }): Promise<SlackUser>;
  find(userId: string): Promise<SlackUser | null>;
  list(page: PageRequest): Promise<Page<SlackUser>>;
  /** Every Slack user with the admin role (they are told about problems that need an admin). */
  admins(): Promise<SlackUser[]>;
  /** Removes a user; null when there was none. */
  remove(userId: string): Promise<SlackUser | null>;
}

export interface SlackMessagePatch {
  ts?: string | null;
  fileId?: string | null;
  contentHash?: string | null;
  postedAt?: 'now';
  updatedAt?: 'now';
  /** Takes the lease for `ms` (by the database's clock), or gives it back (null). */
  lease?: { owner: string; ms: number } | null;
  uncertainSince?: 'now' | null;
  /** Slack refused it for good (with its error code), or it was posted after all (null). */
  failure?: { error: string } | null;
}

export interface SlackMessageRepository {
  /** Records a message to post; when one with the subject exists, returns it unchanged. */
  insert(message: {
    subject: string;
    kind: SlackMessageKind;
    channel: string;
    buildId?: number | null | undefined;
    labelRunId?: number | null | undefined;
    parentId?: number | null | undefined;
    requestedBy: string;
    responseUrl?: string | null | undefined;
  }): Promise<SlackMessage>;
  findById(id: number, options?: { lock?: boolean }): Promise<SlackMessage | null>;
  findBySubject(subject: string): Promise<SlackMessage | null>;
  update(id: number, patch: SlackMessagePatch): Promise<SlackMessage>;
}
