/**
 * Build use cases, one per file under `builds/`: requests (create, start, advance, complete, cancel,
 * retry, scrap units) run in the caller's request; workers run the operations
 * (`performBuildOperation`), generate tracked units in chunks (`generateUnits`) and settle what they
 * give up on (`failBuildOperation`).
 */
export { createBuild } from './builds/create.ts';
export { startBuild } from './builds/start.ts';
export { advanceBuild } from './builds/advance.ts';
export { completeBuild } from './builds/complete.ts';
export { cancelBuild } from './builds/cancel.ts';
export { retryBuild } from './builds/retry.ts';
export { scrapUnits } from './builds/scrap.ts';
export {
  getBuild,
  getBuildOutline,
  listBuilds,
  getBuildConsumption,
  listUnits,
  getUnit,
} from './builds/queries.ts';
export { performBuildOperation, failBuildOperation } from './builds/operations.ts';
export { generateUnits, settleGeneration } from './builds/generate.ts';
export { DEFAULT_CHUNK_SIZE, operationJobId } from './builds/shared.ts';
