import type { Knex } from 'knex';
import type { ProjectRepository } from '../../commands/ports.ts';
import type { BomIncomplete, BomLine, Project } from '../../domain/types.ts';
import { defined, json, paginate } from './shared.ts';
import { PREPARE } from '../knex.ts';

interface ProjectRow {
  id: number;
  code: string;
  name: string;
  description: string | null;
  produces_part_id: number;
  produces_part_code: string;
  serial_format: string | null;
  bom_incomplete: { lines: BomIncomplete['lines']; since: string } | null;
  created_at: Date;
  updated_at: Date;
}

interface LineRow {
  project_id: number;
  part_id: number;
  part_code: string;
  part_name: string;
  quantity_per_unit: number;
  designators: string[];
  note: string | null;
}

const projectQuery = (db: Knex | Knex.Transaction) =>
  db('projects as pr')
    .join('parts as p', 'p.id', 'pr.produces_part_id')
    .select('pr.*', 'p.code as produces_part_code');

const linesQuery = (db: Knex | Knex.Transaction) =>
  db('bom_lines as b')
    .join('parts as p', 'p.id', 'b.part_id')
    .orderBy(['b.project_id', 'b.position'])
    .select('b.*', 'p.code as part_code', 'p.name as part_name');

const bomLine = (l: LineRow): BomLine => ({
  partId: l.part_id,
  partCode: l.part_code,
  partName: l.part_name,
  quantityPerUnit: l.quantity_per_unit,
  designators: l.designators,
  note: l.note,
});

async function withLines(db: Knex | Knex.Transaction, rows: ProjectRow[]): Promise<Project[]> {
  if (rows.length === 0) return [];
  const lines = (await linesQuery(db).whereIn(
    'b.project_id',
    rows.map((r) => r.id),
  )) as LineRow[];
  const byProject = new Map<number, BomLine[]>();
  for (const l of lines) byProject.set(l.project_id, [...(byProject.get(l.project_id) ?? []), bomLine(l)]);
  return rows.map((r) => ({
    id: r.id,
    code: r.code,
    name: r.name,
    description: r.description,
    producesPartId: r.produces_part_id,
    producesPartCode: r.produces_part_code,
    serialFormat: r.serial_format,
    lines: byProject.get(r.id) ?? [],
    bomIncomplete: r.bom_incomplete
      ? { lines: r.bom_incomplete.lines, since: new Date(r.bom_incomplete.since) }
      : null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
}

export function projectRepository(db: Knex | Knex.Transaction): ProjectRepository {
  const one = async (q: Knex.QueryBuilder) => {
    const row = (await q.first()) as ProjectRow | undefined;
    return row ? (await withLines(db, [row]))[0]! : null;
  };
  const byId = async (id: number) => (await one(projectQuery(db).where('pr.id', id)))!;
  return {
    async insert(p) {
      const [row] = await db('projects')
        .insert({
          code: p.code,
          name: p.name,
          description: p.description ?? null,
          produces_part_id: p.producesPartId,
          serial_format: p.serialFormat ?? null,
        })
        .returning('id');
      return byId((row as { id: number }).id);
    },
    async update(id, patch) {
      await db('projects')
        .where({ id })
        .update({
          ...defined({
            name: patch.name,
            description: patch.description,
            produces_part_id: patch.producesPartId,
            serial_format: patch.serialFormat,
          }),
          updated_at: db.fn.now(),
        });
      return byId(id);
    },
    async delete(id) {
      await db('projects').where({ id }).delete();
    },
    findByCode(code, options) {
      const q = projectQuery(db).where('pr.code', code);
      if (options?.lock) q.forUpdate('pr');
      return one(q);
    },
    findByName(name) {
      return one(projectQuery(db).where('pr.name', name));
    },
    findById(id) {
      return one(projectQuery(db).where('pr.id', id));
    },
    async list(page) {
      const result = await paginate(projectQuery(db), 'pr.id', page, (r: ProjectRow) => r);
      return { items: await withLines(db, result.items), nextCursor: result.nextCursor };
    },
    async replaceLines(projectId, lines, bomIncomplete = null) {
      await db('bom_lines').where({ project_id: projectId }).delete();
      if (lines.length > 0) {
        await db.batchInsert(
          'bom_lines',
          lines.map((l, i) => ({
            project_id: projectId,
            part_id: l.partId,
            position: i + 1,
            quantity_per_unit: l.quantityPerUnit,
            designators: l.designators,
            note: l.note ?? null,
          })),
          500,
        );
      }
      await db('projects')
        .where({ id: projectId })
        .update({
          bom_incomplete: bomIncomplete
            ? json({ lines: bomIncomplete.lines, since: bomIncomplete.since.toISOString() })
            : null,
          updated_at: db.fn.now(),
        });
      return byId(projectId);
    },
    async linesOfBuild(buildId) {
      const rows = (await linesQuery(db)
        .join('builds as bu', 'bu.project_id', 'b.project_id')
        .where('bu.id', buildId)
        .options(PREPARE)) as LineRow[];
      return rows.map(bomLine);
    },
    async bomChildren() {
      const rows = (await db('bom_lines as b')
        .join('projects as pr', 'pr.id', 'b.project_id')
        .select('pr.produces_part_id as parent', 'b.part_id as child')) as {
        parent: number;
        child: number;
      }[];
      const map = new Map<number, number[]>();
      for (const { parent, child } of rows) map.set(parent, [...(map.get(parent) ?? []), child]);
      return map;
    },
  };
}
