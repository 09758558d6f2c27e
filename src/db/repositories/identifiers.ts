import type { Knex } from 'knex';
import type { IdentifierRepository } from '../../commands/ports.ts';
import type { LotIdentifier } from '../../domain/identifiers.ts';

interface IdentifierRow {
  id: number;
  lot_id: number;
  lot_code: string;
  serial_label: string | null;
  kind: string;
  value: string;
  created_at: Date;
  created_by: string;
}

const toIdentifier = (r: IdentifierRow): LotIdentifier => ({
  id: r.id,
  lotId: r.lot_id,
  lotCode: r.lot_code,
  serialLabel: r.serial_label,
  kind: r.kind,
  value: r.value,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

/** Identifiers with their device's code and formatted serial. */
const identifierQuery = (db: Knex | Knex.Transaction) =>
  db('lot_identifiers as i')
    .join('lots as l', 'l.id', 'i.lot_id')
    .select('i.*', 'l.code as lot_code', 'l.serial_label');

export function identifierRepository(db: Knex | Knex.Transaction): IdentifierRepository {
  const find = async (kind: string, value: string) => {
    const row = (await identifierQuery(db).where({ 'i.kind': kind, 'i.value': value }).first()) as
      IdentifierRow | undefined;
    return row ? toIdentifier(row) : null;
  };
  return {
    async add(identifier) {
      // Read first: a repeat (or a refusal) then uses up no row id.
      const existing = await find(identifier.kind, identifier.value);
      if (existing) return { identifier: existing, created: false };
      // A concurrent add of the same (kind, value) waits for the other to commit, then stores
      // nothing: the statement after it (a new snapshot) reads what the other stored.
      const inserted = (await db('lot_identifiers')
        .insert({
          lot_id: identifier.lotId,
          kind: identifier.kind,
          value: identifier.value,
          created_by: identifier.createdBy,
        })
        .onConflict(['kind', 'value'])
        .ignore()
        .returning('id')) as { id: number }[];
      const stored = await find(identifier.kind, identifier.value);
      if (!stored) throw new Error(`identifier ${identifier.kind} ${identifier.value} vanished while added`);
      return { identifier: stored, created: inserted.length === 1 };
    },
    find,
    async listForLot(lotId) {
      const rows = (await identifierQuery(db)
        .where('i.lot_id', lotId)
        .orderBy([{ column: 'i.kind' }, { column: 'i.value' }])) as IdentifierRow[];
      return rows.map(toIdentifier);
    },
    async remove(id) {
      await db('lot_identifiers').where({ id }).delete();
    },
    async search(lookups, limit) {
      if (lookups.length === 0) return [];
      const q = identifierQuery(db).where((w) => {
        for (const { kinds, value } of lookups) {
          w.orWhere((one) => {
            one.where('i.value', value);
            if (kinds) one.whereIn('i.kind', kinds);
          });
        }
      });
      const rows = (await q.orderBy('i.id').limit(limit)) as IdentifierRow[];
      return rows.map(toIdentifier);
    },
  };
}
