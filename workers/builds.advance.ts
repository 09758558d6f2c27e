/** builds.advance — completes the next stage of a multi-stage build. */
import { buildOperationProcessor } from './build-operation.ts';

export default buildOperationProcessor('builds.advance');
