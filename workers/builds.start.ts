/**
 * builds.start — turns an accepted build's reservation into consumption and creates its stock (or
 * asks for its units). A start refused here (a reserved lot quarantined since the request) or given
 * up on is settled: the build is planned again, with the reason, and `build.operation_failed` tells
 * the requester.
 */
import { buildOperationProcessor } from './build-operation.ts';

export default buildOperationProcessor('builds.start');
