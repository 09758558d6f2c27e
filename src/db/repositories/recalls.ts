import type { Knex } from 'knex';
import type { Recall, RecallRepository } from '../../commands/ports.ts';
import { paginate } from './shared.ts';

interface RecallRow {
  id: number;
  lot_id: number;
  lot_code: string;
  filter: Recall['filter'];
  reason: string;
  status: Recall['status'];
  error: string | null;
  devices: number | null;
  file_key: string | null;
  requested_by: string;
  created_at: Date;
  finished_at: Date | null;
}

const toRecall = (r: RecallRow): Recall => ({
  id: r.id,
  lotId: r.lot_id,
  lotCode: r.lot_code,
  filter: r.filter,
  reason: r.reason,
  status: r.status,
  error: r.error,
  devices: r.devices,
  fileKey: r.file_key,
  requestedBy: r.requested_by,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

const recallQuery = (db: Knex | Knex.Transaction) =>
  db('recalls as r').join('lots as l', 'l.id', 'r.lot_id').select('r.*', 'l.code as lot_code');

export function recallRepository(db: Knex | Knex.Transaction): RecallRepository {
  const byId = async (id: number, lock = false) => {
    const q = recallQuery(db).where('r.id', id);
    if (lock) q.forUpdate('r');
    const row = (await q.first()) as RecallRow | undefined;
    return row ? toRecall(row) : null;
  };
  return {
    async insert(recall) {
      const [row] = (await db('recalls')
        .insert({
          lot_id: recall.lotId,
          filter: JSON.stringify(recall.filter),
          reason: recall.reason,
          requested_by: recall.requestedBy,
        })
        .returning('id')) as { id: number }[];
      return (await byId(row!.id))!;
    },
    findById: (id, options) => byId(id, options?.lock),
    async finish(id, outcome) {
      await db('recalls').where({ id }).update({
        status: 'done',
        devices: outcome.devices,
        file_key: outcome.fileKey,
        finished_at: db.fn.now(),
      });
      return (await byId(id))!;
    },
    async fail(id, error) {
      await db('recalls')
        .where({ id, status: 'queued' })
        .update({ status: 'failed', error, finished_at: db.fn.now() });
      return (await byId(id))!;
    },
    async requeue(id) {
      await db('recalls')
        .where({ id, status: 'failed' })
        .update({ status: 'queued', error: null, finished_at: null });
      return (await byId(id))!;
    },
    list: (page) => paginate(recallQuery(db), 'r.id', page, toRecall),
  };
}
