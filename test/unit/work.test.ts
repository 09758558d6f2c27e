/**
 * The reconciler's rules for work in flight: leave work whose job is alive, hand stranded work to a
 * fresh job while it makes progress, settle it once it has been redriven too often without.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, strandedDetail, type CarrierState, type StrandedCause } from '../../src/domain/work.ts';

const CAUSES: StrandedCause[] = ['missing', 'failed', 'completed'];

const liveCarrier = fc.record({
  live: fc.constant(true as const),
  state: fc.constantFrom('active', 'waiting', 'delayed', 'prioritized'),
});
const strandedCarrier = fc.record(
  {
    live: fc.constant(false as const),
    state: fc.constantFrom(...CAUSES),
    reason: fc.string({ maxLength: 40 }),
  },
  { requiredKeys: ['live', 'state'] },
);

describe('strandedDetail', () => {
  it.each<[StrandedCause, string]>([
    ['missing', 'its job is gone from the queue'],
    ['failed', 'its job failed for good'],
    ['completed', 'its job ended without finishing it'],
  ])('says why a %s carrier is not doing the work', (state, text) => {
    expect(strandedDetail({ live: false, state })).toBe(text);
    expect(strandedDetail({ live: false, state, reason: '' })).toBe(text);
  });

  it("adds the carrier's reason in parentheses", () => {
    expect(strandedDetail({ live: false, state: 'failed', reason: 'ECONNRESET' })).toBe(
      'its job failed for good (ECONNRESET)',
    );
  });

  it('keeps only the first 500 characters of a long reason', () => {
    const reason = `${'a'.repeat(500)}${'b'.repeat(100)}`;
    expect(strandedDetail({ live: false, state: 'failed', reason })).toBe(
      `its job failed for good (${'a'.repeat(500)})`,
    );
  });
});

describe('decide', () => {
  it('leaves work whose job is alive, however often it was redriven', () => {
    fc.assert(
      fc.property(liveCarrier, fc.nat({ max: 20 }), fc.nat({ max: 20 }), (carrier, redrives, max) => {
        expect(decide({ redrivesWithoutProgress: redrives }, carrier, max)).toEqual({ action: 'leave' });
      }),
    );
  });

  it('redrives stranded work below the limit, naming the cause and why', () => {
    fc.assert(
      fc.property(
        strandedCarrier,
        fc.integer({ min: 1, max: 20 }).chain((max) => fc.tuple(fc.constant(max), fc.nat({ max: max - 1 }))),
        (carrier, [max, redrives]) => {
          expect(decide({ redrivesWithoutProgress: redrives }, carrier, max)).toEqual({
            action: 'redrive',
            cause: carrier.state,
            detail: strandedDetail(carrier),
          });
        },
      ),
    );
  });

  it('settles stranded work at the limit, saying how often it stopped and why it stopped last', () => {
    fc.assert(
      fc.property(
        strandedCarrier,
        fc.integer({ min: 1, max: 20 }),
        fc.nat({ max: 5 }),
        (carrier, max, beyond) => {
          const redrives = max + beyond;
          const decision = decide({ redrivesWithoutProgress: redrives }, carrier, max);
          expect(decision).toEqual({
            action: 'settle',
            cause: carrier.state,
            reason: `the work stopped ${redrives + 1} times without getting further; last: ${strandedDetail(carrier)}`,
          });
        },
      ),
    );
  });

  it('settles at once when no redrive is allowed', () => {
    const carrier: CarrierState = { live: false, state: 'missing' };
    expect(decide({ redrivesWithoutProgress: 0 }, carrier, 0)).toEqual({
      action: 'settle',
      cause: 'missing',
      reason: 'the work stopped: its job is gone from the queue',
    });
  });

  it('redrives exactly maxRedrives times before settling work that never gets further', () => {
    fc.assert(
      fc.property(strandedCarrier, fc.nat({ max: 10 }), (carrier, max) => {
        const work = { redrivesWithoutProgress: 0 };
        let redrives = 0;
        for (;;) {
          const decision = decide(work, carrier, max);
          if (decision.action !== 'redrive') {
            expect(decision.action).toBe('settle');
            break;
          }
          redrives++;
          work.redrivesWithoutProgress++;
        }
        expect(redrives).toBe(max);
      }),
    );
  });

  it('names the last reason and the count in the settled reason', () => {
    const carrier: CarrierState = {
      live: false,
      state: 'failed',
      reason: 'job stalled more than allowable limit',
    };
    const decision = decide({ redrivesWithoutProgress: 3 }, carrier, 3);
    expect(decision).toMatchObject({ action: 'settle', cause: 'failed' });
    expect(decision.action === 'settle' && decision.reason).toBe(
      'the work stopped 4 times without getting further; last: its job failed for good ' +
        '(job stalled more than allowable limit)',
    );
  });
});
