/** Names Slack sends back: button action ids and modal callback ids (also in slack/manifest.yml docs). */
export const ACTIONS = {
  buildAdvance: 'build_advance',
  buildComplete: 'build_complete',
  buildLabels: 'build_labels',
  buildCancel: 'build_cancel',
  buildRetry: 'build_retry',
  lotRecord: 'lot_record',
} as const;

export const VIEWS = {
  lotRecord: 'lot_record',
} as const;

/** Block and element ids of the record-a-test-result-or-note modal. */
export const RECORD_FIELDS = {
  test: 'test',
  result: 'result',
  measurements: 'measurements',
  station: 'station',
  note: 'note',
} as const;
export const RECORD_ELEMENT = 'value';
