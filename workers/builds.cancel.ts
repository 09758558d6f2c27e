/** builds.cancel — cancels a build: components of units not made go back to their lots. */
import { buildOperationProcessor } from './build-operation.ts';

export default buildOperationProcessor('builds.cancel');
