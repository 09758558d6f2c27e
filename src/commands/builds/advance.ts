/** Completing the next stage of a multi-stage build. */
import { z } from 'zod';
import { nextStage } from '../../domain/builds.ts';
import { RuleViolation } from '../../domain/errors.ts';
import { defineCommand } from '../define.ts';
import { idCodeRef, optionalText, text } from '../validation.ts';
import { requestOperation } from './operations.ts';

export const advanceBuild = defineCommand({
  name: 'advanceBuild',
  summary: 'Complete the next stage of a multi-stage build (optionally naming it), with a comment',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    code: idCodeRef,
    stage: text(100).optional(),
    comment: optionalText(1000),
  }),
  run: ({ repos, actor }, { code, stage, comment }) =>
    requestOperation(
      repos,
      actor,
      code,
      'advance',
      { stage: stage ?? null, comment: comment ?? null },
      async (build) => {
        const next = nextStage(build);
        if (stage && next && next.name.toLowerCase() !== stage.toLowerCase()) {
          throw new RuleViolation(`the next stage of build ${build.code} is '${next.name}', not '${stage}'`);
        }
      },
    ),
});
