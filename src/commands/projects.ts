import { z } from 'zod';
import { assertNoBomCycle, designatorProblem } from '../domain/bom.ts';
import { ConflictError, NotFoundError, ValidationError, type FieldProblem } from '../domain/errors.ts';
import { hasIdCodeShape, looksLikeIdCode, typoCandidates } from '../domain/id-code-typos.ts';
import { compileSerialFormat, MAX_SERIAL_LENGTH, SERIAL_FORMAT_PATTERN } from '../domain/serial-format.ts';
import type { Part, Project } from '../domain/types.ts';
import { defineCommand } from './define.ts';
import { findOrFail, normalizeCode } from './lookup.ts';
import type { NewBomLine, Repositories } from './ports.ts';
import { idCodeRef, name, optionalText, pageQuery } from './validation.ts';

const designator = z
  .string()
  .trim()
  .regex(/^[A-Za-z][A-Za-z0-9_.]*$/, 'is not a reference designator')
  .max(30);

export const bomLineInput = z.strictObject({
  part: idCodeRef,
  quantity: z.int().positive().max(1_000_000).describe('quantity per unit built'),
  designators: z.array(designator).max(10_000).default([]),
  note: optionalText(500),
});

const serialFormat = z
  .string()
  .max(MAX_SERIAL_LENGTH)
  .meta({ pattern: `(${SERIAL_FORMAT_PATTERN})|^$` })
  .nullish()
  .superRefine((value, ctx) => {
    if (!value) return;
    try {
      compileSerialFormat(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as ValidationError).problems[0]!.message });
    }
  });

/**
 * Resolves and checks BOM lines: parts exist, designators fit, no part twice, no circular BOM (unless
 * `producedPartId` is null: a part yet to be created is in no BOM, so cannot close a circle).
 */
async function resolveLines(
  repos: Repositories,
  producedPartId: number | null,
  lines: z.output<typeof bomLineInput>[],
): Promise<NewBomLine[]> {
  const problems: FieldProblem[] = [];
  const resolved: NewBomLine[] = [];
  const seen = new Map<number, number>();
  for (const [i, line] of lines.entries()) {
    const code = normalizeCode(`lines.${i}.part`, line.part);
    const part = await repos.parts.findByCode(code);
    if (!part) {
      throw new NotFoundError(
        'part',
        code,
        `lines.${i}.part: part ${code} does not exist`,
        `lines.${i}.part`,
      );
    }
    const designatorIssue = designatorProblem(line.quantity, line.designators);
    if (designatorIssue) problems.push({ field: `lines.${i}.designators`, message: designatorIssue });
    const earlier = seen.get(part.id);
    if (earlier !== undefined) {
      problems.push({ field: `lines.${i}.part`, message: `part ${part.code} is already on line ${earlier}` });
    }
    seen.set(part.id, i);
    resolved.push({
      partId: part.id,
      quantityPerUnit: line.quantity,
      designators: line.designators,
      note: line.note,
    });
  }
  if (problems.length > 0) throw new ValidationError(problems);
  if (producedPartId === null) return resolved;
  assertNoBomCycle(
    producedPartId,
    resolved.map((l, i) => ({ partId: l.partId, field: `lines.${i}.part` })),
    await repos.projects.bomChildren(),
  );
  return resolved;
}

/** "did you mean …" naming the projects whose codes are one keying slip from `input`, or null. */
export async function projectsOneSlipAway(repos: Repositories, input: string): Promise<string | null> {
  const found: string[] = [];
  for (const candidate of typoCandidates(input)) {
    const project = await repos.projects.findByCode(candidate);
    if (project) found.push(`${project.code} (project '${project.name}')`);
  }
  return found.length > 0 ? `did you mean ${found.join(' or ')}?` : null;
}

/**
 * A project's name is unique and never shaped like an ID code: where a project is named by code or
 * name (import-bom --project), a mistyped code must not be taken for a name. A code-shaped word
 * without a digit ("ABCDEFGHKJ") is a name unless a project's code is one slip away from it.
 */
async function checkName(repos: Repositories, projectName: string, exceptId?: number) {
  if (
    looksLikeIdCode(projectName) ||
    (hasIdCodeShape(projectName) && (await projectsOneSlipAway(repos, projectName)) !== null)
  )
    throw ValidationError.field(
      'name',
      `'${projectName}' looks like an ID code: a project's name must not, or a mistyped code could be taken for it`,
    );
  const existing = await repos.projects.findByName(projectName);
  if (existing && existing.id !== exceptId) {
    throw new ConflictError(`a project named '${projectName}' already exists (${existing.code})`);
  }
}

/** Creates a project and, unless it names an existing part to produce, the sub-assembly it produces. */
export async function createProjectWithPart(
  repos: Repositories,
  input: {
    name: string;
    description?: string | null | undefined;
    produces?: string | undefined;
    serialFormat?: string | null | undefined;
  },
): Promise<Project> {
  await checkName(repos, input.name);
  let produced: Part;
  if (input.produces) {
    produced = await findOrFail('part', 'produces', input.produces, (c) => repos.parts.findByCode(c));
  } else {
    const [partCode] = await repos.idCodes.allocate(1);
    produced = await repos.parts.insert({
      code: partCode!,
      name: input.name,
      kind: 'subassembly',
      description: input.description,
    });
  }
  const [code] = await repos.idCodes.allocate(1);
  return repos.projects.insert({
    code: code!,
    name: input.name,
    description: input.description,
    producesPartId: produced.id,
    serialFormat: input.serialFormat,
  });
}

export const createProject = defineCommand({
  name: 'createProject',
  summary: 'Create a project (a BOM) and the sub-assembly part it produces',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    name,
    description: optionalText(),
    produces: idCodeRef
      .optional()
      .describe('the sub-assembly part built; created with the project when omitted'),
    serialFormat,
    lines: z.array(bomLineInput).max(5_000).default([]),
  }),
  async run({ repos }, { lines, ...input }) {
    if (lines.length === 0) return createProjectWithPart(repos, input);
    // The lines are checked before anything is created, so that a refused request uses up no ID code.
    const produces = input.produces
      ? await findOrFail('part', 'produces', input.produces, (c) => repos.parts.findByCode(c))
      : null;
    const resolved = await resolveLines(repos, produces?.id ?? null, lines);
    const project = await createProjectWithPart(repos, input);
    return repos.projects.replaceLines(project.id, resolved);
  },
});

export const updateProject = defineCommand({
  name: 'updateProject',
  summary: 'Rename a project or change its description or serial format',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    code: idCodeRef,
    name: name.optional(),
    description: optionalText(),
    serialFormat,
  }),
  async run({ repos }, { code, ...patch }) {
    const project = await findOrFail('project', 'code', code, (c) =>
      repos.projects.findByCode(c, { lock: true }),
    );
    if (patch.name) await checkName(repos, patch.name, project.id);
    return repos.projects.update(project.id, patch);
  },
});

export const deleteProject = defineCommand({
  name: 'deleteProject',
  summary: 'Delete a project that was never built',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ code: idCodeRef }),
  async run({ repos }, { code }) {
    const project = await findOrFail('project', 'code', code, (c) =>
      repos.projects.findByCode(c, { lock: true }),
    );
    await repos.projects.delete(project.id);
  },
});

export const getProject = defineCommand({
  name: 'getProject',
  summary: 'Show a project with its BOM lines',
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ code: idCodeRef }),
  run: ({ repos }, { code }) => findOrFail('project', 'code', code, (c) => repos.projects.findByCode(c)),
});

export const listProjects = defineCommand({
  name: 'listProjects',
  summary: 'List projects',
  role: 'viewer',
  mode: 'read',
  reads: 'replica',
  input: pageQuery,
  run: ({ repos }, page) => repos.projects.list(page),
});

export const setBomLines = defineCommand({
  name: 'setBomLines',
  summary: "Replace a project's BOM lines",
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ code: idCodeRef, lines: z.array(bomLineInput).max(5_000) }),
  async run({ repos }, { code, lines }) {
    const project = await findOrFail('project', 'code', code, (c) =>
      repos.projects.findByCode(c, { lock: true }),
    );
    return repos.projects.replaceLines(project.id, await resolveLines(repos, project.producesPartId, lines));
  },
});
