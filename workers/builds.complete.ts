/** builds.complete — completes a multi-stage build, or some of its units. */
import { buildOperationProcessor } from './build-operation.ts';

export default buildOperationProcessor('builds.complete');
