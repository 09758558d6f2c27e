/** builds.complete — completes a multi-stage build, or some of its units. */
import { buildOperation, buildOperationData } from '../build-operation.ts';
import { defineJob } from '../define.ts';

export default defineJob({
  name: 'builds.complete',
  queue: 'builds',
  description: 'Complete a multi-stage build, or some of its units: in_production → available',
  data: buildOperationData,
  ...buildOperation,
});
