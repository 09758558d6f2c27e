/** builds.cancel — cancels a build: components of units not made go back to their lots. */
import { buildOperation, buildOperationData } from '../build-operation.ts';
import { defineJob } from '../define.ts';

export default defineJob({
  name: 'builds.cancel',
  queue: 'builds',
  description: 'Cancel a build: return unconsumed components, remove in-production stock',
  data: buildOperationData,
  ...buildOperation,
});
