/** Planning a build of a project and, unless asked not to, requesting its start in the same breath. */
import { z } from 'zod';
import { assertBomComplete } from '../../domain/bom.ts';
import { MAX_BUILD_QUANTITY, checkBuildOptions } from '../../domain/builds.ts';
import { ValidationError } from '../../domain/errors.ts';
import { defineCommand } from '../define.ts';
import { findOrFail, normalizeCode } from '../lookup.ts';
import { idCodeRef, optionalText, text } from '../validation.ts';
import { shortagesOf } from './consumption.ts';
import { requestOperation } from './operations.ts';
import { shortageError } from './shared.ts';

export const createBuild = defineCommand({
  name: 'createBuild',
  summary:
    'Plan a build of a project and, unless start is false, start it: its components are reserved at once (shortages are answered at once)',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    project: idCodeRef,
    quantity: z.int().min(1).max(MAX_BUILD_QUANTITY),
    trackUnits: z.boolean().default(false).describe('one single-unit lot with a serial number per device'),
    addStock: z.boolean().optional().describe('create sub-assembly stock (default true)'),
    stages: z.array(text(100)).max(20).default([]).describe('named stages: a multi-stage build'),
    lots: z
      .array(z.strictObject({ lot: idCodeRef }))
      .max(10_000)
      .default([])
      .describe('component lots to consume instead of FIFO, for their parts, in this order'),
    pairing: z
      .array(z.strictObject({ serial: z.int().positive(), units: z.array(idCodeRef).min(1).max(100) }))
      .max(MAX_BUILD_QUANTITY)
      .default([])
      .describe(
        'which sub-assembly units go into which device: they are consumed first for their part (or the request is refused with 422 naming each unit that would not be); the rest are paired in order',
      ),
    location: idCodeRef.nullish().describe('where the produced stock is stored'),
    note: optionalText(),
    start: z.boolean().default(true),
    acceptIncompleteBom: z
      .boolean()
      .default(false)
      .describe("build even though the project's BOM is incomplete (lines its last import could not take)"),
  }),
  async run({ repos, actor }, input) {
    const addStock = input.addStock ?? true;
    checkBuildOptions({
      quantity: input.quantity,
      trackUnits: input.trackUnits,
      addStock,
      stages: input.stages,
    });
    if (input.pairing.length > 0 && !input.trackUnits)
      throw ValidationError.field('pairing', 'needs trackUnits: only tracked devices hold units');
    const project = await findOrFail('project', 'project', input.project, (c) =>
      repos.projects.findByCode(c),
    );
    assertBomComplete(project, input.acceptIncompleteBom);
    const location = input.location
      ? await findOrFail('location', 'location', input.location, (c) => repos.locations.findByCode(c))
      : null;
    const requestedLots = input.lots.map((l, i) => ({ lot: normalizeCode(`lots.${i}.lot`, l.lot) }));
    const requestedPairing = input.pairing.map((p, i) => {
      if (p.serial > input.quantity)
        throw ValidationError.field(`pairing.${i}.serial`, `must be within 1..${input.quantity}`);
      return { serial: p.serial, units: p.units.map((u, j) => normalizeCode(`pairing.${i}.units.${j}`, u)) };
    });
    // Everything that can refuse the request is checked before the build is created, so that a
    // refused request uses up no ID code (a rolled-back insert would still consume one).
    // Named lots and paired units are checked either way; a planned build hears of shortages at start.
    const planned = { projectId: project.id, quantity: input.quantity, requestedLots, requestedPairing };
    const shortages = await shortagesOf(repos, planned);
    if (input.start && shortages.length > 0) throw shortageError(null, shortages);
    const [code] = await repos.idCodes.allocate(1);
    const created = await repos.builds.insert({
      code: code!,
      projectId: project.id,
      producedPartId: project.producesPartId,
      quantity: input.quantity,
      trackUnits: input.trackUnits,
      addStock,
      stages: input.stages,
      serialFormat: input.trackUnits ? project.serialFormat : null,
      requestedLots,
      requestedPairing,
      locationCode: location?.code ?? null,
      note: input.note ?? null,
      createdBy: actor.name,
    });
    if (!input.start) return { build: created, operation: null };
    // Stock was checked above, in this transaction, with the candidate lots locked: the start
    // reserves exactly what was found.
    return requestOperation(repos, actor, created.code, 'start', {});
  },
});
