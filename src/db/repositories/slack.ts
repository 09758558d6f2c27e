/** Slack users (roles) and the Slack messages buildtrace posts. */
import type { Knex } from 'knex';
import type {
  SlackMessage,
  SlackMessageKind,
  SlackMessageRepository,
  SlackUser,
  SlackUserRepository,
} from '../../commands/ports.ts';
import type { Role } from '../../domain/roles.ts';
import { paginate } from './shared.ts';

interface SlackUserRow {
  id: number;
  slack_user_id: string;
  role: Role;
  name: string | null;
  updated_by: string;
  created_at: Date;
  updated_at: Date;
}

const toUser = (r: SlackUserRow): SlackUser => ({
  id: Number(r.id),
  userId: r.slack_user_id,
  role: r.role,
  name: r.name,
  updatedBy: r.updated_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function slackUserRepository(db: Knex | Knex.Transaction): SlackUserRepository {
  return {
    async upsert(user) {
      const values: Record<string, unknown> = {
        slack_user_id: user.userId,
        role: user.role,
        updated_by: user.updatedBy,
        updated_at: db.fn.now(),
      };
      if (user.name !== undefined) values.name = user.name;
      const [row] = (await db('slack_users')
        .insert(values)
        .onConflict('slack_user_id')
        .merge(Object.keys(values).filter((k) => k !== 'slack_user_id'))
        .returning('*')) as SlackUserRow[];
      return toUser(row!);
    },
    async find(userId) {
      const row = (await db('slack_users').where({ slack_user_id: userId }).first()) as
        SlackUserRow | undefined;
      return row ? toUser(row) : null;
    },
    list(page) {
      return paginate(db('slack_users').select('*'), 'id', page, toUser);
    },
    async admins() {
      return ((await db('slack_users').where({ role: 'admin' }).orderBy('id')) as SlackUserRow[]).map(toUser);
    },
    async remove(userId) {
      const [row] = (await db('slack_users')
        .where({ slack_user_id: userId })
        .delete()
        .returning('*')) as SlackUserRow[];
      return row ? toUser(row) : null;
    },
  };
}

interface SlackMessageRow {
  id: number;
  subject: string;
  kind: SlackMessageKind;
  channel: string;
  build_id: number | null;
  label_run_id: number | null;
  parent_id: number | null;
  requested_by: string;
  ts: string | null;
  file_id: string | null;
  content_hash: string | null;
  posted_at: Date | null;
  updated_at: Date | null;
  lease_owner: string | null;
  lease_active: boolean;
  uncertain_since: Date | null;
  created_at: Date;
  response_url: string | null;
  failed_at: Date | null;
  error: string | null;
}

const toMessage = (r: SlackMessageRow): SlackMessage => ({
  id: Number(r.id),
  subject: r.subject,
  kind: r.kind,
  channel: r.channel,
  buildId: r.build_id === null ? null : Number(r.build_id),
  labelRunId: r.label_run_id === null ? null : Number(r.label_run_id),
  parentId: r.parent_id === null ? null : Number(r.parent_id),
  requestedBy: r.requested_by,
  ts: r.ts,
  fileId: r.file_id,
  contentHash: r.content_hash,
  postedAt: r.posted_at,
  updatedAt: r.updated_at,
  leaseOwner: r.lease_owner,
  leaseActive: r.lease_active,
  uncertainSince: r.uncertain_since,
  createdAt: r.created_at,
  responseUrl: r.response_url,
  failedAt: r.failed_at,
  error: r.error,
});

const COLUMNS = (db: Knex | Knex.Transaction) => [
  'id',
  'subject',
  'kind',
  'channel',
  'build_id',
  'label_run_id',
  'parent_id',
  'requested_by',
  'ts',
  'file_id',
  'content_hash',
  'posted_at',
  'updated_at',
  'lease_owner',
  db.raw('coalesce(lease_until > now(), false) AS lease_active'),
  'uncertain_since',
  'created_at',
  'response_url',
  'failed_at',
  'error',
];

export function slackMessageRepository(db: Knex | Knex.Transaction): SlackMessageRepository {
  const select = (lock = false) => {
    const q = db('slack_messages').select(COLUMNS(db));
    return lock ? q.forUpdate() : q;
  };
  return {
    async insert(m) {
      await db('slack_messages')
        .insert({
          subject: m.subject,
          kind: m.kind,
          channel: m.channel,
          build_id: m.buildId ?? null,
          label_run_id: m.labelRunId ?? null,
          parent_id: m.parentId ?? null,
          requested_by: m.requestedBy,
          response_url: m.responseUrl ?? null,
        })
        .onConflict('subject')
        .ignore();
      return toMessage((await select().where({ subject: m.subject }).first()) as SlackMessageRow);
    },
    async findById(id, options = {}) {
      const row = (await select(options.lock).where({ id }).first()) as SlackMessageRow | undefined;
      return row ? toMessage(row) : null;
    },
    async findBySubject(subject) {
      const row = (await select().where({ subject }).first()) as SlackMessageRow | undefined;
      return row ? toMessage(row) : null;
    },
    async update(id, patch) {
      const values: Record<string, unknown> = {};
      if (patch.ts !== undefined) values.ts = patch.ts;
      if (patch.fileId !== undefined) values.file_id = patch.fileId;
      if (patch.contentHash !== undefined) values.content_hash = patch.contentHash;
      if (patch.postedAt) values.posted_at = db.fn.now();
      if (patch.updatedAt) values.updated_at = db.fn.now();
      if (patch.lease === null) Object.assign(values, { lease_until: null, lease_owner: null });
      else if (patch.lease)
        Object.assign(values, {
          lease_until: db.raw(`now() + make_interval(secs => ?)`, [patch.lease.ms / 1000]),
          lease_owner: patch.lease.owner,
        });
      if (patch.failure === null) Object.assign(values, { failed_at: null, error: null });
      else if (patch.failure) Object.assign(values, { failed_at: db.fn.now(), error: patch.failure.error });
      if (patch.uncertainSince === null) values.uncertain_since = null;
      else if (patch.uncertainSince === 'now')
        values.uncertain_since = db.raw('coalesce(uncertain_since, now())');
      const [row] = (await db('slack_messages')
        .where({ id })
        .update(values)
        .returning(COLUMNS(db))) as SlackMessageRow[];
      return toMessage(row!);
    },
  };
}
