/**
 * Work that cannot be stranded: the rules the reconciler applies to work the database says is in
 * flight. A queue job only carries the work; when the carrier is gone (lost with Redis, removed),
 * failed for good, or ended without finishing the work, the work is handed to a fresh job — as long
 * as it makes progress. Work redriven `maxRedrives` times without getting any further is settled
 * instead: marked failed with the reason, where a person can retry or cancel it.
 */

/** What the queue says of the job that should carry a piece of work. */
export type CarrierState =
  { live: true; state: string } | { live: false; state: 'missing' | 'failed' | 'completed'; reason?: string };

export type StrandedCause = 'missing' | 'failed' | 'completed';

export type Decision =
  | { action: 'leave' }
  | { action: 'redrive'; cause: StrandedCause; detail: string }
  | { action: 'settle'; cause: StrandedCause; reason: string };

const CAUSE_TEXT: Record<StrandedCause, string> = {
  missing: 'its job is gone from the queue',
  failed: 'its job failed for good',
  completed: 'its job ended without finishing it',
};

/** Why the carrier is not doing the work, for logs and the action log. */
export function strandedDetail(carrier: Extract<CarrierState, { live: false }>): string {
  return `${CAUSE_TEXT[carrier.state]}${carrier.reason ? ` (${carrier.reason.slice(0, 500)})` : ''}`;
}

/** What to do with work in flight whose carrier is in `carrier`'s state. */
export function decide(
  work: { redrivesWithoutProgress: number },
  carrier: CarrierState,
  maxRedrives: number,
): Decision {
  if (carrier.live) return { action: 'leave' };
  const detail = strandedDetail(carrier);
  if (work.redrivesWithoutProgress >= maxRedrives)
    return {
      action: 'settle',
      cause: carrier.state,
      reason:
        maxRedrives === 0
          ? `the work stopped: ${detail}`
          : `the work stopped ${work.redrivesWithoutProgress + 1} times without getting further; last: ${detail}`,
    };
  return { action: 'redrive', cause: carrier.state, detail };
}
