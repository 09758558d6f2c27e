/**
 * A build's GS1 labels as the label use cases make them (src/commands/label-gs1.ts), with stub
 * repositories: which serial (21) carries, where (11) comes from, what a refusal names — also at
 * render time, when the part lost its GTIN after the run was requested.
 */
import { describe, expect, it } from 'vitest';
import { gs1Labeller, unitGs1 } from '../../src/commands/label-gs1.ts';
import type { LabelRun, Repositories } from '../../src/commands/ports.ts';
import { ValidationError } from '../../src/domain/errors.ts';

const GTIN = '09501101530003';
const unit = { code: '0000000001', title: 'Pump', serial: 7, buildCode: '7K3M9Q2R4T', date: '2026-12-07' };

function repos(gtin: string | null): Repositories {
  return {
    builds: { findById: async () => ({ code: '7K3M9Q2R4T', producedPartCode: 'PART000001' }) },
    parts: { findByCode: async () => ({ code: 'PART000001', name: 'Pump', gtin }) },
  } as unknown as Repositories;
}

const source: LabelRun['source'] = { kind: 'build', buildId: 1, buildCode: '7K3M9Q2R4T' };

describe("a build's GS1 labels", () => {
  it('carries the formatted serial when there is one, else the serial number, and the build date as (11)', () => {
    expect(unitGs1(GTIN, unit, 'items.0.gs1')).toBe('(01)09501101530003(11)261207(21)7(10)7K3M9Q2R4T');
    expect(unitGs1(GTIN, { ...unit, serialLabel: 'S-00007' }, 'items.0.gs1')).toBe(
      '(01)09501101530003(11)261207(21)S-00007(10)7K3M9Q2R4T',
    );
  });

  it('names the label and the AI GS1 would refuse', () => {
    const error = (() => {
      try {
        unitGs1(GTIN, { ...unit, serialLabel: 'PX 0007' }, 'items.3.gs1');
      } catch (e) {
        return e as ValidationError;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error!.problems).toEqual([
      { field: 'items.3.gs1', message: expect.stringMatching(/^unit 0000000001: \(21\) 'PX 0007' .*set 82/) },
    ]);
  });

  it('adds gs1 only to GS1 runs, and refuses at render time a part that lost its GTIN', async () => {
    expect(await gs1Labeller(repos(GTIN), { symbol: 'url', source })).toBeNull();
    const label = await gs1Labeller(repos(GTIN), { symbol: 'gs1', source });
    expect(label!(unit, 0)).toEqual({ gs1: '(01)09501101530003(11)261207(21)7(10)7K3M9Q2R4T' });
    await expect(gs1Labeller(repos(null), { symbol: 'gs1', source })).rejects.toMatchObject({
      problems: [{ field: 'symbol', message: expect.stringMatching(/part PART000001 \(Pump\).*has none/) }],
    });
  });
});
