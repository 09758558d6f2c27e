/**
 * builds.start — turns an accepted build's reservation into consumption and creates its stock (or
 * asks for its units). A start refused here (a reserved lot quarantined since the request) or given
 * up on is settled: the build is planned again, with the reason, and `build.operation_failed` tells
 * the requester.
 */
import { buildOperation, buildOperationData } from '../build-operation.ts';
import { defineJob } from '../define.ts';

export default defineJob({
  name: 'builds.start',
  queue: 'builds',
  description: 'Start a build: consume component lots (FIFO or named), create sub-assembly stock',
  data: buildOperationData,
  ...buildOperation,
});
