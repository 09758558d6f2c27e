import type { Knex } from 'knex';
import type { CodeDirectory, IdCodeAllocator } from '../../commands/ports.ts';
import { IdCodeGenerator } from '../../domain/id-code.ts';
import type { CodeTarget, ObjectKind } from '../../domain/types.ts';
import { PREPARE } from '../knex.ts';

const generators = new WeakMap<object, Promise<IdCodeGenerator>>();

/** The installation's ID code generator; its key lives in the settings table. */
function generatorFor(root: Knex, db: Knex | Knex.Transaction): Promise<IdCodeGenerator> {
  let generator = generators.get(root);
  if (!generator) {
    generator = (async () => {
      const row = (await db('settings').where({ key: 'id_code_key' }).first('value')) as
        { value: string } | undefined;
      if (!row) throw new Error('settings.id_code_key is missing: run the migrations');
      return new IdCodeGenerator(Buffer.from(row.value, 'hex'));
    })();
    generator.catch(() => generators.delete(root));
    generators.set(root, generator);
  }
  return generator;
}

export function idCodeAllocator(root: Knex, db: Knex | Knex.Transaction): IdCodeAllocator {
  return {
    async allocate(n) {
      if (n <= 0) return [];
      const generator = await generatorFor(root, db);
      const result = await db.raw<{ rows: { v: number }[] }>(
        `SELECT nextval('id_code_seq') AS v FROM generate_series(1, ?)`,
        [n],
      );
      return result.rows.map((r) => generator.codeFor(r.v));
    },
  };
}

/** Resolves a code by asking each kind's unique index. */
export function codeDirectory(db: Knex | Knex.Transaction): CodeDirectory {
  return {
    async resolve(code) {
      const result = await db
        .raw<{ rows: { kind: ObjectKind; code: string; label: string }[] }>(
          `SELECT 'part' AS kind, code, name AS label FROM parts WHERE code = :code
         UNION ALL SELECT 'location', code, name FROM locations WHERE code = :code
         UNION ALL SELECT 'lot', l.code, p.name || ' × ' || l.quantity FROM lots l JOIN parts p ON p.id = l.part_id WHERE l.code = :code
         UNION ALL SELECT 'project', code, name FROM projects WHERE code = :code
         UNION ALL SELECT 'build', b.code, pr.name || ' × ' || b.quantity FROM builds b JOIN projects pr ON pr.id = b.project_id WHERE b.code = :code
         LIMIT 1`,
          { code },
        )
        .options(PREPARE);
      const row = result.rows[0];
      return row ? ({ kind: row.kind, code: row.code, label: row.label } satisfies CodeTarget) : null;
    },
  };
}
