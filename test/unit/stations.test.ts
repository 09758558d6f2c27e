/**
 * The scan stations' rules as pure functions (src/domain/stations.ts): which step a scan is, the
 * two-scan flows' pending scan (kept by the first scan, cleared by the second, untouched by a
 * one-scan flow), what an install records, and which identifier a value is.
 */
import { describe, expect, it } from 'vitest';
import { STATION_FLOWS, type StationFlow } from '../../src/domain/sessions.ts';
import {
  assertStationSettings,
  identifierKindFor,
  installMode,
  installRepair,
  pendingAfter,
  stationStep,
  type PendingScan,
} from '../../src/domain/stations.ts';

const module: PendingScan = { code: 'M7K2QX', label: 'RAD-00001' };
const device: PendingScan = { code: 'D3F9WP', label: 'GW-00005' };

/** A station's pending scan after a sequence of scans that were all done. */
function afterScans(flow: StationFlow, scans: PendingScan[], pending: PendingScan | null = null) {
  const steps: string[] = [];
  for (const scanned of scans) {
    const step = stationStep(flow, pending);
    steps.push(step.step);
    pending = pendingAfter(step, scanned, pending);
  }
  return { steps, pending };
}

describe('station steps', () => {
  it('test, ship and receive take one scan per step and leave the pending scan alone', () => {
    for (const flow of ['test', 'ship', 'receive'] as const) {
      expect(stationStep(flow, null)).toEqual({ flow, step: 'one' });
      expect(afterScans(flow, [device, module])).toEqual({ steps: ['one', 'one'], pending: null });
    }
  });

  it('install: a module, then the device it goes into; the next module starts again', () => {
    expect(stationStep('install', null)).toEqual({ flow: 'install', step: 'module' });
    expect(stationStep('install', module)).toEqual({ flow: 'install', step: 'device', module });
    expect(afterScans('install', [module])).toEqual({ steps: ['module'], pending: module });
    expect(afterScans('install', [module, device, module])).toEqual({
      steps: ['module', 'device', 'module'],
      pending: module,
    });
  });

  it('identify: a unit, then its identifier', () => {
    expect(stationStep('identify', null)).toEqual({ flow: 'identify', step: 'unit' });
    expect(stationStep('identify', device)).toEqual({ flow: 'identify', step: 'identifier', unit: device });
    expect(afterScans('identify', [device, device])).toEqual({
      steps: ['unit', 'identifier'],
      pending: null,
    });
  });

  it('a station that waits for a second scan keeps waiting after a refusal (nothing is applied)', () => {
    // A refused scan never reaches pendingAfter: the station keeps what it had.
    const waiting = afterScans('install', [module]).pending;
    expect(stationStep('install', waiting)).toMatchObject({ step: 'device', module });
  });

  it('every flow has a step for every pending state', () => {
    for (const flow of STATION_FLOWS)
      for (const pending of [null, module]) expect(stationStep(flow, pending).flow).toBe(flow);
  });
});

describe('the install step', () => {
  it('records an assembly step unless the station is a repair station', () => {
    expect(installMode(undefined)).toBe('assembly');
    expect(installMode('')).toBe('assembly');
    expect(installMode('assembly')).toBe('assembly');
    expect(installMode('repair')).toBe('repair');
    expect(installRepair('assembly', module)).toEqual({
      symptom: 'assembly step',
      action: 'fitted RAD-00001',
      replacements: [{ installed: 'M7K2QX', quantity: 1 }],
    });
    expect(installRepair('repair', module).symptom).toBe('module replaced at the repair station');
  });
});

describe('the identifier a value is', () => {
  it('is the station setting when there is one, else told from the value', () => {
    expect(identifierKindFor('asset_tag', 'A4:CF:12:00:BE:01')).toBe('asset_tag');
    expect(identifierKindFor(undefined, 'a4-cf-12-00-be-01')).toBe('mac');
    expect(identifierKindFor('', '490154203237518')).toBe('imei');
    expect(identifierKindFor(undefined, '8944500102198304826')).toBe('iccid');
    expect(identifierKindFor(undefined, 'hello')).toBeNull();
  });
});

describe('station settings', () => {
  it('a test station needs its test and readable measurements; the others take any', () => {
    expect(() => assertStationSettings('test', {})).toThrow(/the test this station records/);
    expect(() => assertStationSettings('test', { test: 'fct', measurements: '=3' })).toThrow();
    expect(() => assertStationSettings('test', { test: 'fct', measurements: 'vout=3.3' })).not.toThrow();
    for (const flow of ['ship', 'install', 'identify', 'receive'] as const)
      expect(() => assertStationSettings(flow, {})).not.toThrow();
  });
});
