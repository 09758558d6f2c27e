/** builds.advance — completes the next stage of a multi-stage build. */
import { buildOperation, buildOperationData } from '../build-operation.ts';
import { defineJob } from '../define.ts';

export default defineJob({
  name: 'builds.advance',
  queue: 'builds',
  description: 'Complete the next stage of a multi-stage build',
  data: buildOperationData,
  ...buildOperation,
});
