import type { Knex } from 'knex';
import type { ApiToken, TokenRepository } from '../../commands/ports.ts';
import type { Role } from '../../domain/roles.ts';
import { paginate } from './shared.ts';
import { PREPARE } from '../knex.ts';

interface TokenRow {
  id: number;
  name: string;
  role: Role;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const toToken = (r: TokenRow): ApiToken => ({
  id: r.id,
  name: r.name,
  role: r.role,
  prefix: r.prefix,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

const PUBLIC_COLUMNS = ['id', 'name', 'role', 'prefix', 'created_at', 'last_used_at', 'revoked_at'];

export function tokenRepository(db: Knex | Knex.Transaction): TokenRepository {
  return {
    async insert(t) {
      const [row] = await db('api_tokens')
        .insert({ name: t.name, role: t.role, token_hash: t.hash, prefix: t.prefix })
        .returning(PUBLIC_COLUMNS);
      return toToken(row as TokenRow);
    },
    async findActiveByHash(hash) {
      // Every API request asks this: a fixed, prepared text rather than a query built each time.
      const row = (
        await db
          .raw<{ rows: TokenRow[] }>(
            `SELECT ${PUBLIC_COLUMNS.join(', ')} FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL LIMIT 1`,
            [hash],
          )
          .options(PREPARE)
      ).rows[0];
      if (!row) return null;
      // Recording every use would write on every read; once a minute is plenty to see a token is alive.
      // Requests that arrive while one records it skip the row (SKIP LOCKED) rather than queue behind
      // its commit: at 500 requests/s, each waiting its turn for the row was a 100 ms stall a minute.
      if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
        await db
          .raw(
            `UPDATE api_tokens SET last_used_at = now() WHERE id = (
               SELECT id FROM api_tokens WHERE id = ? AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
               FOR UPDATE SKIP LOCKED)`,
            [row.id],
          )
          .options(PREPARE);
      }
      return toToken(row);
    },
    list(page) {
      return paginate(db('api_tokens').select(PUBLIC_COLUMNS), 'id', page, toToken);
    },
    async revoke(id) {
      const [row] = (await db('api_tokens')
        .where({ id })
        .update({ revoked_at: db.raw('coalesce(revoked_at, now())') })
        .returning(PUBLIC_COLUMNS)) as TokenRow[];
      return row ? toToken(row) : null;
    },
  };
}
