import type { Page, PageRequest } from '../../domain/page.ts';
import type { Role } from '../../domain/roles.ts';
import type { PageSession, SessionKind, StationState } from '../../domain/sessions.ts';

export interface SessionRepository {
  insertLink(link: { hash: string; slackUser: string; role: Role; expiresAt: Date }): Promise<void>;
  /**
   * Uses the link with this hash, once: its Slack user and role, or why it cannot be used (no such
   * link, used before, expired). Two requests racing for one link: one wins.
   */
  useLink(
    hash: string,
  ): Promise<{ slackUser: string; role: Role } | { refused: 'unknown' | 'used' | 'expired' }>;
  insert(session: {
    hash: string;
    kind: SessionKind;
    actor: string;
    role: Role;
    slackUser: string | null;
    tokenId: number | null;
    csrfSecret: string;
    userAgent: string | null;
    expiresAt: Date;
  }): Promise<PageSession>;
  /** The live session with this hash (not revoked, not expired); notes that it was seen. */
  findLive(hash: string): Promise<PageSession | null>;
  findLiveById(id: number): Promise<PageSession | null>;
  /** Keeps a live session alive until `expiresAt` (at most once a minute per session). */
  touch(id: number, expiresAt: Date): Promise<void>;
  setFlash(id: number, flash: string | null): Promise<void>;
  setStation(id: number, station: StationState | null): Promise<void>;
  /** Revokes one session; null when there is none with this id. */
  revoke(id: number): Promise<PageSession | null>;
  /** Revokes every live session of a Slack user; how many. */
  revokeForSlackUser(slackUser: string): Promise<number>;
  /** Revokes every live kiosk session of an API token; how many. */
  revokeForToken(tokenId: number): Promise<number>;
  list(page: PageRequest & { live?: boolean | undefined }): Promise<Page<PageSession>>;
}
