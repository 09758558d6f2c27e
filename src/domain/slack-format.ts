/**
 * Small pure rules of the Slack integration: how progress is drawn and throttled, and which request
 * timestamps are accepted.
 */

/** Slack's own rule for request signatures: a timestamp more than five minutes off is refused. */
export const SLACK_TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

/**
 * Whether a request's `x-slack-request-timestamp` is acceptable at `nowMs`. Bolt refuses stale
 * timestamps but accepts any in the future; a signed request captured once could then be replayed
 * until its timestamp came due, so buildtrace refuses both directions.
 */
export function requestTimestampProblem(
  header: string | undefined,
  nowMs: number,
  toleranceSeconds = SLACK_TIMESTAMP_TOLERANCE_SECONDS,
): 'missing' | 'invalid' | 'stale' | 'future' | null {
  if (header === undefined || header === '') return 'missing';
  if (!/^\d{1,12}$/.test(header)) return 'invalid';
  const skew = Number(header) - Math.floor(nowMs / 1000);
  if (skew < -toleranceSeconds) return 'stale';
  if (skew > toleranceSeconds) return 'future';
  return null;
}

/** Percentage done, 0–100, rounded down (100 only when everything is done). */
export function percentDone(done: number, total: number): number {
  if (total <= 0) return 0;
  return Math.max(0, Math.min(100, Math.floor((done / total) * 100)));
}

/** A text progress bar, e.g. `▓▓▓▓▓░░░░░ 50% (25/50)`. */
export function progressBar(done: number, total: number, width = 10): string {
  const percent = percentDone(done, total);
  const filled = Math.round((percent / 100) * width);
  return `${'▓'.repeat(filled)}${'░'.repeat(width - filled)} ${percent}% (${done.toLocaleString('en')}/${total.toLocaleString('en')})`;
}

/**
 * Progress updates of a Slack message are throttled to one per `step` percent: the bucket a
 * progress report falls in names its update, so repeated reports in one bucket ask for the same
 * update (which is done once).
 */
export function progressBucket(done: number, total: number, step = 10): number {
  return Math.floor(percentDone(done, total) / step);
}
