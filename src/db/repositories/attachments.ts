import type { Knex } from 'knex';
import type { Attachment, AttachmentRepository } from '../../commands/ports.ts';
import { paginate } from './shared.ts';
import { PREPARE } from '../knex.ts';

interface AttachmentRow {
  id: number;
  blob_sha256: string;
  filename: string;
  media_type: string;
  bytes: number;
  lot_code: string | null;
  build_code: string | null;
  history_event_id: number | null;
  event_lot_code: string | null;
  note: string | null;
  uploaded_by: string;
  created_at: Date;
}

const toAttachment = (r: AttachmentRow): Attachment => ({
  id: Number(r.id),
  sha256: r.blob_sha256,
  filename: r.filename,
  mediaType: r.media_type,
  bytes: Number(r.bytes),
  target: {
    lot: r.lot_code ?? r.event_lot_code,
    build: r.build_code,
    event: r.history_event_id === null ? null : Number(r.history_event_id),
  },
  note: r.note,
  uploadedBy: r.uploaded_by,
  createdAt: r.created_at,
});

function attachmentQuery(db: Knex | Knex.Transaction): Knex.QueryBuilder {
  return db('attachments as a')
    .join('blobs as bl', 'bl.sha256', 'a.blob_sha256')
    .leftJoin('lots as l', 'l.id', 'a.lot_id')
    .leftJoin('builds as b', 'b.id', 'a.build_id')
    .leftJoin('history_events as h', 'h.id', 'a.history_event_id')
    .leftJoin('lots as hl', 'hl.id', 'h.lot_id')
    .select(
      'a.id',
      'a.blob_sha256',
      'a.filename',
      'a.media_type',
      'bl.bytes',
      'l.code as lot_code',
      'b.code as build_code',
      'a.history_event_id',
      'hl.code as event_lot_code',
      'a.note',
      'a.uploaded_by',
      'a.created_at',
    );
}

/** Attachment records and the blobs (SHA-256, size, type) they point to. */
export function attachmentRepository(db: Knex | Knex.Transaction): AttachmentRepository {
  return {
    async saveBlob(blob) {
      await db('blobs')
        .insert({ sha256: blob.sha256, bytes: blob.bytes, media_type: blob.mediaType })
        .onConflict('sha256')
        .ignore();
    },
    async insert(a) {
      const target = a.target;
      const [row] = (await db('attachments')
        .insert({
          blob_sha256: a.sha256,
          filename: a.filename,
          media_type: a.mediaType,
          lot_id: target.kind === 'lot' ? target.lotId : null,
          build_id: target.kind === 'build' ? target.buildId : null,
          history_event_id: target.kind === 'event' ? target.historyEventId : null,
          note: a.note,
          uploaded_by: a.uploadedBy,
        })
        .returning('id')) as { id: number }[];
      return toAttachment((await attachmentQuery(db).where('a.id', row!.id).first()) as AttachmentRow);
    },
    async findById(id) {
      const row = (await attachmentQuery(db).where('a.id', id).first().options(PREPARE)) as
        AttachmentRow | undefined;
      return row ? toAttachment(row) : null;
    },
    listForLot(lotId, { includeEvents }, page) {
      // Both arms on attachments' own columns, each with its index: an OR across the joined
      // history_events would read every attachment.
      const q = attachmentQuery(db)
        .options(PREPARE)
        .where((w) => {
          w.where('a.lot_id', lotId);
          if (includeEvents)
            w.orWhereIn('a.history_event_id', db('history_events').select('id').where('lot_id', lotId));
        });
      return paginate(q, 'a.id', page, toAttachment);
    },
    listForBuild(buildId, page) {
      return paginate(
        attachmentQuery(db).options(PREPARE).where('a.build_id', buildId),
        'a.id',
        page,
        toAttachment,
      );
    },
    async forEvents(eventIds) {
      const map = new Map<number, Attachment[]>();
      if (eventIds.length === 0) return map;
      const rows = (await attachmentQuery(db)
        .whereRaw('a.history_event_id = ANY(?::bigint[])', [eventIds])
        .orderBy('a.id')
        .options(PREPARE)) as AttachmentRow[];
      for (const r of rows) {
        const a = toAttachment(r);
        const list = map.get(a.target.event!) ?? [];
        list.push(a);
        map.set(a.target.event!, list);
      }
      return map;
    },
  };
}
