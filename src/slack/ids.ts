/** Names Slack sends back: button action ids and modal callback ids (also in slack/manifest.yml docs). */
export const ACTIONS = {
  buildAdvance: 'build_advance',
  buildComplete: 'build_complete',
  buildLabels: 'build_labels',
  buildCancel: 'build_cancel',
  buildRetry: 'build_retry',
  lotRecord: 'lot_record',
  /** Print a build's labels on its project's default printer. */
  buildPrint: 'build_print',
  /** On a print run's message: resume it, cancel it, or settle labels in doubt and resume. */
  runResume: 'print_resume',
  runCancel: 'print_cancel',
  runPrinted: 'print_in_doubt_printed',
  runReprint: 'print_in_doubt_reprint',
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
