/** History rules: one-line summaries of every kind, what may be recorded when, corrections, required tests. */
import { describe, expect, it } from 'vitest';
import { RuleViolation } from '../../src/domain/errors.ts';
import {
  assertCorrectable,
  assertRecordable,
  normalizeRequiredTests,
  summarize,
} from '../../src/domain/history.ts';
import { STOCK_STATUSES } from '../../src/domain/types.ts';

describe('summaries', () => {
  it.each([
    ['note', { text: 'Customer reports rattling' }, 'Customer reports rattling'],
    [
      'test_result',
      { test: 'ICT', passed: true, station: 'ict-2', required: true, quarantined: false },
      'Test ICT passed at ict-2',
    ],
    [
      'test_result',
      { test: 'burn-in', passed: false, station: null, required: true, quarantined: true },
      'Test burn-in FAILED — unit quarantined',
    ],
    [
      'repair',
      {
        symptom: 'no boot',
        action: 'replaced MCU',
        replacements: [{ part: 'P1', partName: 'MCU', removed: 'LOTA', installed: 'LOTB', quantity: 1 }],
      },
      'Repair: replaced MCU (symptom: no boot); MCU LOTA → LOTB',
    ],
    ['service', { description: 'Calibrated' }, 'Service: Calibrated'],
    [
      'status_changed',
      { from: 'available', to: 'quarantined', reason: 'suspect' },
      'Status available → quarantined: suspect',
    ],
    [
      'status_changed',
      { from: 'in_production', to: 'available', reason: 'line down', forced: true, missingTests: ['ICT'] },
      'Status in_production → available without required tests ICT (forced): line down',
    ],
    [
      'shipped',
      { customer: 'Acme', order: 'SO-1', shippedOn: '2026-11-29' },
      'Shipped to Acme (order SO-1) on 2026-11-29',
    ],
    ['returned', { rma: 'RMA-7', reason: 'dead on arrival' }, 'Returned under RMA RMA-7: dead on arrival'],
    [
      'disposed',
      { method: 'returned_to_supplier', certificate: 'C-9' },
      'Disposed (returned to supplier), certificate C-9',
    ],
    ['correction', { reason: 'wrong unit' }, 'Correction: wrong unit'],
  ] as const)('%s', (kind, data, line) => {
    expect(summarize(kind, data as Record<string, unknown>)).toBe(line);
  });

  it('cuts long text to one line', () => {
    expect(summarize('note', { text: 'x'.repeat(500) })).toHaveLength(160);
  });
});

describe('what may be recorded', () => {
  const on = (status: (typeof STOCK_STATUSES)[number]) => ({ code: 'LOT0000001', status, isDevice: true });

  it('takes notes always, test results unless disposed, service unless scrapped, cancelled or disposed', () => {
    for (const status of STOCK_STATUSES) {
      expect(() => assertRecordable(on(status), 'note')).not.toThrow();
      if (status === 'disposed')
        expect(() => assertRecordable(on(status), 'test_result')).toThrow(RuleViolation);
      else expect(() => assertRecordable(on(status), 'test_result')).not.toThrow();
      if (status === 'scrapped' || status === 'disposed' || status === 'cancelled')
        expect(() => assertRecordable(on(status), 'service')).toThrow(RuleViolation);
      else expect(() => assertRecordable(on(status), 'service')).not.toThrow();
    }
  });

  it('repairs devices on the bench only: a shipped one must be returned first', () => {
    for (const status of ['in_production', 'available', 'quarantined', 'returned'] as const)
      expect(() => assertRecordable(on(status), 'repair')).not.toThrow();
    expect(() => assertRecordable(on('shipped'), 'repair')).toThrow(/shipped; record its return first/);
    expect(() => assertRecordable(on('scrapped'), 'repair')).toThrow(RuleViolation);
    expect(() => assertRecordable(on('disposed'), 'repair')).toThrow(RuleViolation);
  });

  it('corrects events of the same lot that are not corrections themselves', () => {
    expect(() => assertCorrectable({ id: 1, lotCode: 'A', kind: 'note' }, 'A')).not.toThrow();
    expect(() => assertCorrectable({ id: 1, lotCode: 'A', kind: 'note' }, 'B')).toThrow(/belongs to lot A/);
    expect(() => assertCorrectable({ id: 2, lotCode: 'A', kind: 'correction' }, 'A')).toThrow(
      /is a correction/,
    );
  });

  it('names each required test once, ignoring case', () => {
    expect(normalizeRequiredTests([' ICT ', 'Functional'])).toEqual({
      names: ['ICT', 'Functional'],
      duplicate: null,
    });
    expect(normalizeRequiredTests(['ICT', 'functional', 'ict']).duplicate).toBe(2);
  });
});
