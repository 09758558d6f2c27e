/** Completing a multi-stage build — all its units, or some of them by serial. */
import { z } from 'zod';
import { nextStage } from '../../domain/builds.ts';
import { ConflictError, RuleViolation, ValidationError } from '../../domain/errors.ts';
import { defineCommand } from '../define.ts';
import { idCodeRef, optionalText } from '../validation.ts';
import { requestOperation } from './operations.ts';
import { assertRequiredTests } from './run-complete.ts';
import { findBuild, resolveSerials, serialsInput } from './shared.ts';

export const completeBuild = defineCommand({
  name: 'completeBuild',
  summary: 'Complete a multi-stage build — all units, or some of them by serial (partial completion)',
  role: 'operator',
  mode: 'write',
  input: z
    .strictObject({
      code: idCodeRef,
      serials: serialsInput.optional(),
      force: z
        .boolean()
        .optional()
        .describe("complete units without their project's required passing tests (needs a reason)"),
      reason: optionalText(500).describe('why units are completed without their required tests'),
    })
    // force ⇒ reason, for the document (the command refuses it below, naming `reason`).
    .meta({
      if: { properties: { force: { const: true } }, required: ['force'] },
      then: { properties: { reason: { type: 'string', pattern: '\\S' } }, required: ['reason'] },
    }),
  async run({ repos, actor }, { code, serials, force, reason }) {
    if (force && !reason) throw ValidationError.field('reason', 'is required when force is true');
    let params: Record<string, unknown> = {};
    if (serials !== undefined) {
      const build = await findBuild(repos, code);
      if (!build.trackUnits)
        throw ValidationError.field(
          'serials',
          'only a build with tracked units can be completed unit by unit',
        );
      const resolved = resolveSerials(serials, build.quantity);
      if (resolved.some((s) => s > build.quantity))
        throw ValidationError.field('serials', `must be within 1..${build.quantity}`);
      params = { serials: resolved };
    }
    if (force) params = { ...params, force: true, reason };
    return requestOperation(repos, actor, code, 'complete', params, async (build) => {
      const pending = nextStage(build);
      if (pending)
        throw new RuleViolation(
          `stage '${pending.name}' of build ${build.code} is not completed yet: advance first`,
        );
      if (build.trackUnits && build.unitsGenerated < build.quantity) {
        throw new ConflictError(
          `build ${build.code} is still generating its units (${build.unitsGenerated}/${build.quantity})`,
        );
      }
      if (build.trackUnits && !force)
        assertRequiredTests(build, await repos.tests.missingRequired(build.id, params.serials as number[]));
    });
  },
});
