/**
 * Importing a BOM exported from KiCad as CSV into a project: parts matched by MPN or created, the
 * project named by its ID code or by its name — created only when the request says so, and never
 * from a value shaped like an ID code (a mistyped code gets "did you mean"). Rows that could not be
 * imported are recorded on the project, whose BOM is then incomplete until a clean import or new
 * lines replace it.
 */
import { z } from 'zod';
import { assertNoBomCycle } from '../domain/bom.ts';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.ts';
import { hasIdCodeShape, looksLikeIdCode } from '../domain/id-code-typos.ts';
import { parseIdCode } from '../domain/id-code.ts';
import { parseKicadBom, type KicadBomLine, type RowProblem } from '../domain/kicad-bom.ts';
import type { BomIncomplete, Part, Project } from '../domain/types.ts';
import { defineCommand } from './define.ts';
import type { NewBomLine, PartPatch, Repositories } from './ports.ts';
import { createProjectWithPart, projectsOneSlipAway } from './projects.ts';
import { idCodeRef, name } from './validation.ts';

export interface BomImportReport {
  /** null only in a dry run for a project that does not exist yet (it would be created). */
  project: Project | null;
  /** Whether the import created the project (in a dry run: would create it). */
  newProject: boolean;
  shape: 'grouped' | 'per-reference';
  dryRun: boolean;
  /** `filled`: what the matched part lacked and the file gave (kept on the part unless a dry run). */
  matched: { lines: number[]; mpn: string; part: string; quantity: number; filled: string[] }[];
  created: { lines: number[]; mpn: string; part: string | null; quantity: number }[];
  rejected: RowProblem[];
  skipped: RowProblem[];
  warnings: RowProblem[];
}

/** Column names: a JSON array, or (in a query string) one name per parameter or a comma-separated list. */
const columnNames = (what: string) =>
  z
    .union([z.string().max(2000), z.array(z.string().max(200)).max(20)])
    .optional()
    .transform((v) =>
      (typeof v === 'string' ? v.split(',') : (v ?? [])).map((c) => c.trim()).filter((c) => c !== ''),
    )
    .describe(what);

/**
 * What a part matched by MPN lacks and the file gives: its empty columns, and fields it does not
 * have (datasheet, supplier numbers …). Nothing it has is overwritten.
 */
function blanksFilled(part: Part, line: KicadBomLine): { patch: PartPatch; filled: string[] } {
  const patch: PartPatch = {};
  const filled: string[] = [];
  for (const key of ['manufacturer', 'value', 'footprint', 'description'] as const) {
    if (part[key] === null && line[key] !== null) {
      patch[key] = line[key];
      filled.push(key);
    }
  }
  const added = Object.entries(line.fields).filter(([k]) => !(k in part.fields));
  if (added.length > 0) {
    patch.fields = { ...part.fields, ...Object.fromEntries(added) };
    filled.push(...added.map(([k]) => k));
  }
  return { patch, filled };
}

/** "did you mean …?" for the existing projects one keying slip away from `input`, or null. */
const didYouMean = projectsOneSlipAway;

async function projectByCode(repos: Repositories, input: string): Promise<Project> {
  const parsed = parseIdCode(input);
  if (!parsed.ok) {
    const hint = await didYouMean(repos, input);
    throw ValidationError.field(
      'project',
      `'${input}' is not a valid ID code: ${parsed.message}${hint ? `; ${hint}` : ''}`,
    );
  }
  const project = await repos.projects.findByCode(parsed.code, { lock: true });
  if (!project)
    throw new NotFoundError(
      'project',
      parsed.code,
      `project: project ${parsed.code} does not exist`,
      'project',
    );
  return project;
}

/**
 * The project a name gives: the one that has it; else, when the request asks for it, a new one (in a
 * dry run: null). A name shaped like an ID code is never a new project's name.
 */
async function projectByName(
  repos: Repositories,
  projectName: string,
  create: boolean,
  dryRun: boolean,
): Promise<{ project: Project | null; newProject: boolean }> {
  const existing = await repos.projects.findByName(projectName);
  if (existing && create)
    throw new ConflictError(
      `a project named '${projectName}' already exists (${existing.code}): import into it without createProject`,
    );
  // Locked as an import by code locks it: two imports into one project run one after the other.
  if (existing)
    return { project: await repos.projects.findByCode(existing.code, { lock: true }), newProject: false };
  if (parseIdCode(projectName).ok)
    throw ValidationError.field(
      'projectName',
      `'${projectName}' is an ID code, not a name: give it as project`,
    );
  // A code without a digit looks like a word; it is a typo all the same when a code one slip away exists.
  const hint = hasIdCodeShape(projectName) ? await didYouMean(repos, projectName) : null;
  if (hint || looksLikeIdCode(projectName)) {
    throw ValidationError.field(
      'projectName',
      hint
        ? `'${projectName}' is an ID code with a typo, not a name: ${hint}`
        : `'${projectName}' looks like an ID code, not a name, and no project has a code one slip away from it`,
    );
  }
  if (!create)
    throw new NotFoundError(
      'project',
      projectName,
      `projectName: no project is named '${projectName}'; set createProject: true to create it`,
      'projectName',
    );
  return {
    project: dryRun ? null : await createProjectWithPart(repos, { name: projectName }),
    newProject: true,
  };
}

/**
 * What the project records after an import: replace starts afresh, merge keeps what was missing.
 * `since` is when the BOM became incomplete, kept while it stays so.
 */
function incompleteAfter(
  project: Project,
  mode: 'replace' | 'merge',
  rejected: RowProblem[],
): BomIncomplete | null {
  const kept = mode === 'merge' ? (project.bomIncomplete?.lines ?? []) : [];
  if (rejected.length === 0 && kept.length === 0) return null;
  return { lines: [...kept, ...rejected], since: project.bomIncomplete?.since ?? new Date() };
}

/** The largest BOM taken, in characters (Unicode code points, as the document's `maxLength` counts). */
export const MAX_BOM_CSV_CHARACTERS = 1_000_000;
const codePoints = (text: string) =>
  text.length - (text.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)?.length ?? 0);
const bomCsv = z
  .string()
  .min(1)
  .refine((csv) => codePoints(csv) <= MAX_BOM_CSV_CHARACTERS, {
    message: `must have at most ${MAX_BOM_CSV_CHARACTERS} characters`,
  })
  .meta({ maxLength: MAX_BOM_CSV_CHARACTERS })
  .describe(`the KiCad BOM as CSV text, at most ${MAX_BOM_CSV_CHARACTERS} characters`);

export const importBom = defineCommand({
  name: 'importBom',
  summary: 'Import a BOM exported from KiCad as CSV, matching parts by MPN and creating missing ones',
  role: 'operator',
  mode: 'write',
  input: z
    .strictObject({
      project: idCodeRef.optional().describe('the project to import into'),
      projectName: name.optional().describe('or the name of a project'),
      createProject: z
        .boolean()
        .default(false)
        .describe('create the project named projectName (refused when the name is taken)'),
      csv: bomCsv,
      mode: z
        .enum(['replace', 'merge'])
        .default('replace')
        .describe('replace all lines, or only those of the imported parts'),
      mpnColumns: columnNames(
        'columns to take the MPN from, first non-empty wins (e.g. ["MPN", "LCSC"]); default: the MPN column',
      ),
      supplierColumns: columnNames('further columns of supplier part numbers, kept as part fields'),
      dryRun: z.boolean().default(false),
    })
    .refine((v) => (v.project === undefined) !== (v.projectName === undefined), {
      message: 'give either project (an ID code) or projectName',
      path: ['project'],
    })
    .refine((v) => !v.createProject || v.projectName !== undefined, {
      message: 'creates the project named projectName: give projectName',
      path: ['createProject'],
    }),
  async run({ repos }, input): Promise<BomImportReport> {
    const bom = parseKicadBom(input.csv, {
      mpnColumns: input.mpnColumns,
      supplierColumns: input.supplierColumns,
    });
    const { project, newProject } = input.project
      ? { project: await projectByCode(repos, input.project), newProject: false }
      : await projectByName(repos, input.projectName!, input.createProject, input.dryRun);

    const known = new Map<string, Part[]>();
    for (const part of await repos.parts.findByMpns(bom.lines.map((l) => l.mpn))) {
      const key = part.mpn!.toUpperCase();
      known.set(key, [...(known.get(key) ?? []), part]);
    }

    const report: BomImportReport = {
      project,
      newProject,
      shape: bom.shape,
      dryRun: input.dryRun,
      matched: [],
      created: [],
      rejected: [...bom.rejected],
      skipped: bom.skipped,
      warnings: bom.warnings,
    };
    const newLines: NewBomLine[] = [];
    for (const line of bom.lines) {
      const candidates = known.get(line.mpn.toUpperCase()) ?? [];
      if (candidates.length > 1) {
        for (const l of line.sourceLines) {
          report.rejected.push({
            line: l,
            reason: `MPN ${line.mpn} matches ${candidates.length} parts (${candidates.map((p) => p.code).join(', ')})`,
          });
        }
        continue;
      }
      if (project && candidates[0]?.id === project.producesPartId) {
        for (const l of line.sourceLines)
          report.rejected.push({ line: l, reason: `MPN ${line.mpn} is the part this project produces` });
        continue;
      }
      let part = candidates[0];
      if (part) {
        const { patch, filled } = blanksFilled(part, line);
        if (filled.length > 0 && !input.dryRun) part = await repos.parts.update(part.id, patch);
        report.matched.push({
          lines: line.sourceLines,
          mpn: line.mpn,
          part: part.code,
          quantity: line.quantity,
          filled,
        });
      } else if (input.dryRun) {
        report.created.push({ lines: line.sourceLines, mpn: line.mpn, part: null, quantity: line.quantity });
        continue;
      } else {
        const [code] = await repos.idCodes.allocate(1);
        part = await repos.parts.insert({
          code: code!,
          name: line.mpn,
          kind: 'component',
          mpn: line.mpn,
          manufacturer: line.manufacturer,
          value: line.value,
          footprint: line.footprint,
          description: line.description,
          fields: line.fields,
        });
        report.created.push({
          lines: line.sourceLines,
          mpn: line.mpn,
          part: part.code,
          quantity: line.quantity,
        });
      }
      newLines.push({
        partId: part.id,
        quantityPerUnit: line.quantity,
        designators: line.designators,
        note: null,
      });
    }
    report.rejected.sort((a, b) => a.line - b.line);
    if (input.dryRun || !project) return report;

    const importedParts = new Set(newLines.map((l) => l.partId));
    const kept =
      input.mode === 'merge'
        ? project.lines
            .filter((l) => !importedParts.has(l.partId))
            .map((l) => ({
              partId: l.partId,
              quantityPerUnit: l.quantityPerUnit,
              designators: l.designators,
              note: l.note,
            }))
        : [];
    const lines = [...kept, ...newLines];
    assertNoBomCycle(
      project.producesPartId,
      lines.map((l) => ({ partId: l.partId, field: 'csv' })),
      await repos.projects.bomChildren(),
    );
    report.project = await repos.projects.replaceLines(
      project.id,
      lines,
      incompleteAfter(project, input.mode, report.rejected),
    );
    return report;
  },
});
