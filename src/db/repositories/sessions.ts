import type { Knex } from 'knex';
import type { SessionRepository } from '../../commands/ports.ts';
import type { Role } from '../../domain/roles.ts';
import type { PageSession, SessionKind, StationState } from '../../domain/sessions.ts';
import { json, paginate } from './shared.ts';
import { PREPARE } from '../knex.ts';

interface SessionRow {
  id: number;
  kind: SessionKind;
  actor: string;
  role: Role;
  slack_user: string | null;
  token_id: number | null;
  csrf_secret: string;
  user_agent: string | null;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  flash: string | null;
  station: StationState | null;
}

const COLUMNS = [
  'id',
  'kind',
  'actor',
  'role',
  'slack_user',
  'token_id',
  'csrf_secret',
  'user_agent',
  'created_at',
  'last_seen_at',
  'expires_at',
  'revoked_at',
  'flash',
  'station',
];

const toSession = (r: SessionRow): PageSession => ({
  id: Number(r.id),
  kind: r.kind,
  actor: r.actor,
  role: r.role,
  slackUser: r.slack_user,
  tokenId: r.token_id === null ? null : Number(r.token_id),
  csrfSecret: r.csrf_secret,
  userAgent: r.user_agent,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  flash: r.flash,
  station: r.station,
});

export function sessionRepository(db: Knex | Knex.Transaction): SessionRepository {
  const live = () => db('page_sessions').whereNull('revoked_at').where('expires_at', '>', db.fn.now());
  return {
    async insertLink(link) {
      await db('sign_in_links').insert({
        secret_hash: link.hash,
        slack_user: link.slackUser,
        role: link.role,
        expires_at: link.expiresAt,
      });
    },
    async useLink(hash) {
      const [used] = (await db('sign_in_links')
        .where({ secret_hash: hash })
        .whereNull('used_at')
        .where('expires_at', '>', db.fn.now())
        .update({ used_at: db.fn.now() })
        .returning(['slack_user', 'role'])) as { slack_user: string; role: Role }[];
      if (used) return { slackUser: used.slack_user, role: used.role };
      const link = (await db('sign_in_links').where({ secret_hash: hash }).first('used_at')) as
        { used_at: Date | null } | undefined;
      return { refused: !link ? 'unknown' : link.used_at ? 'used' : 'expired' };
    },
    async insert(s) {
      const [row] = (await db('page_sessions')
        .insert({
          secret_hash: s.hash,
          kind: s.kind,
          actor: s.actor,
          role: s.role,
          slack_user: s.slackUser,
          token_id: s.tokenId,
          csrf_secret: s.csrfSecret,
          user_agent: s.userAgent,
          expires_at: s.expiresAt,
        })
        .returning(COLUMNS)) as SessionRow[];
      return toSession(row!);
    },
    async findLive(hash) {
      const row = (await live().where({ secret_hash: hash }).first(COLUMNS).options(PREPARE)) as
        SessionRow | undefined;
      return row ? toSession(row) : null;
    },
    async findLiveById(id) {
      const row = (await live().where({ id }).first(COLUMNS)) as SessionRow | undefined;
      return row ? toSession(row) : null;
    },
    async touch(id, expiresAt) {
      // Pages that arrive while one records it skip the row rather than queue behind its commit.
      await db
        .raw(
          `UPDATE page_sessions SET last_seen_at = now(), expires_at = ? WHERE id = (
             SELECT id FROM page_sessions WHERE id = ? AND last_seen_at < now() - interval '1 minute'
             FOR UPDATE SKIP LOCKED)`,
          [expiresAt, id],
        )
        .options(PREPARE);
    },
    async setFlash(id, flash) {
      await db('page_sessions').where({ id }).update({ flash });
    },
    async setStation(id, station) {
      await db('page_sessions')
        .where({ id })
        .update({ station: station === null ? null : json(station) });
    },
    async revoke(id) {
      const [row] = (await db('page_sessions')
        .where({ id })
        .update({ revoked_at: db.raw('coalesce(revoked_at, now())') })
        .returning(COLUMNS)) as SessionRow[];
      return row ? toSession(row) : null;
    },
    async revokeForSlackUser(slackUser) {
      return live().where({ slack_user: slackUser }).update({ revoked_at: db.fn.now() });
    },
    async revokeForToken(tokenId) {
      return live().where({ token_id: tokenId }).update({ revoked_at: db.fn.now() });
    },
    list(page) {
      const query = page.live ? live().select(COLUMNS) : db('page_sessions').select(COLUMNS);
      return paginate(query, 'id', page, toSession);
    },
  };
}
