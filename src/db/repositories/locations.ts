import type { Knex } from 'knex';
import type { LocationRepository } from '../../commands/ports.ts';
import type { Location } from '../../domain/types.ts';
import { defined, paginate } from './shared.ts';

interface LocationRow {
  id: number;
  code: string;
  name: string;
  description: string | null;
  created_at: Date;
  updated_at: Date;
}

const toLocation = (r: LocationRow): Location => ({
  id: r.id,
  code: r.code,
  name: r.name,
  description: r.description,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function locationRepository(db: Knex | Knex.Transaction): LocationRepository {
  return {
    async insert(location) {
      const [row] = await db('locations').insert(location).returning('*');
      return toLocation(row as LocationRow);
    },
    async update(id, patch) {
      const [row] = await db('locations')
        .where({ id })
        .update({ ...defined(patch), updated_at: db.fn.now() })
        .returning('*');
      return toLocation(row as LocationRow);
    },
    async delete(id) {
      await db('locations').where({ id }).delete();
    },
    async findByCode(code) {
      const row = await db<LocationRow>('locations').where({ code }).first();
      return row ? toLocation(row) : null;
    },
    list(page) {
      return paginate(db('locations').select('*'), 'id', page, toLocation);
    },
  };
}
