/**
 * History use cases, one per file under `history/`: notes, test results (one, or up to 1,000 in one
 * request), service, repairs that swap components (and keep the device's genealogy true),
 * corrections, the timeline, and the tests a project requires. Each event is written with its
 * `lot.event_recorded` outbox event in the same transaction; a failed required test also
 * quarantines the unit (`lot.status_changed`).
 */
export type { HistoryItem } from './history/items.ts';
export { listLotHistory, getHistoryEvent } from './history/timeline.ts';
export { recordNote, recordService } from './history/notes.ts';
export { correctHistoryEvent } from './history/correct.ts';
export {
  MAX_BULK_RESULTS,
  recordTestResult,
  recordTestResults,
  type RecordedTestResult,
} from './history/test-results.ts';
export { recordRepair } from './history/repair.ts';
export { getRequiredTests, setRequiredTests } from './history/required-tests.ts';
