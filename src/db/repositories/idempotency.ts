/**
 * Stored responses for `Idempotency-Key` (HTTP infrastructure, not a domain repository): the first
 * successful response to a key is kept for 24 h and replayed for the same caller and request.
 */
import type { Knex } from 'knex';

export type IdempotencyClaim =
  | { state: 'claimed'; id: number }
  | { state: 'replay'; statusCode: number; body: unknown }
  | { state: 'in_progress' }
  | { state: 'mismatch' };

export interface IdempotencyStore {
  claim(scope: string, key: string, requestHash: string): Promise<IdempotencyClaim>;
  complete(id: number, statusCode: number, body: unknown): Promise<void>;
  release(id: number): Promise<void>;
}

const TTL = "interval '24 hours'";

export function idempotencyStore(db: Knex): IdempotencyStore {
  return {
    async claim(scope, key, requestHash) {
      await db('idempotency_keys').where({ scope, key }).whereRaw(`created_at < now() - ${TTL}`).delete();
      const inserted = (await db('idempotency_keys')
        .insert({ scope, key, request_hash: requestHash })
        .onConflict(['scope', 'key'])
        .ignore()
        .returning('id')) as { id: number }[];
      if (inserted[0]) return { state: 'claimed', id: inserted[0].id };
      const row = (await db('idempotency_keys').where({ scope, key }).first()) as
        { request_hash: string; status_code: number | null; response_body: unknown } | undefined;
      if (!row) return this.claim(scope, key, requestHash);
      if (row.request_hash !== requestHash) return { state: 'mismatch' };
      if (row.status_code === null) return { state: 'in_progress' };
      return { state: 'replay', statusCode: row.status_code, body: row.response_body };
    },
    async complete(id, statusCode, body) {
      await db('idempotency_keys')
        .where({ id })
        .update({
          status_code: statusCode,
          response_body: JSON.stringify(body ?? null),
          completed_at: db.fn.now(),
        });
    },
    async release(id) {
      await db('idempotency_keys').where({ id }).delete();
    },
  };
}
