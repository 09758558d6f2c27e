/** Completing the next stage of a multi-stage build (the `builds.advance` job). */
import { nextStage } from '../../domain/builds.ts';
import { RuleViolation } from '../../domain/errors.ts';
import { buildStream, type Runner } from './shared.ts';

export const runAdvance: Runner = async (repos, build, op) => {
  const stage = nextStage(build);
  if (build.status !== 'in_progress' || !stage)
    throw new RuleViolation(`build ${build.code} has no stage left to complete`);
  const wanted = op.params.stage as string | null;
  if (wanted && wanted.toLowerCase() !== stage.name.toLowerCase()) {
    throw new RuleViolation(`the next stage of build ${build.code} is '${stage.name}', not '${wanted}'`);
  }
  const comment = (op.params.comment as string | null) ?? null;
  await repos.builds.completeStage(build.id, stage.position, op.requestedBy, comment);
  const remaining = build.stages.filter((s) => s.completedAt === null).length - 1;
  return {
    result: { stage: stage.name, position: stage.position, remaining },
    events: [
      {
        type: 'build.stage_completed',
        stream: buildStream(build),
        data: {
          build: build.code,
          stage: stage.name,
          position: stage.position,
          of: build.stages.length,
          remaining,
          comment,
          actor: op.requestedBy,
        },
      },
    ],
  };
};
