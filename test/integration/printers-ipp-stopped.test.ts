/**
 * The `ipp` driver against a scripted IPP printer (test/helpers/fake-ipp-printer.ts) for what
 * ippeveprinter cannot be made to do: a stopped printer, jobs stopped, aborted or canceled part-way
 * through sheets of labels, a printer without PDF, a refused job, a printer that never answers.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LabelContent } from '../../src/domain/labels.ts';
import type { PrinterTarget } from '../../src/domain/printers.ts';
import { createIppDriver } from '../../src/printers/ipp.ts';
import { OP } from '../../src/printers/ipp-wire.ts';
import { startFakeIppPrinter, type FakeIppPrinter } from '../helpers/fake-ipp-printer.ts';

const driver = createIppDriver({ pollMs: 20, statusTimeoutMs: 300, requestTimeoutMs: 300 });

function labels(count: number): LabelContent[] {
  return Array.from({ length: count }, (_, i) => {
    const c = `SHEET${String(i + 1).padStart(5, '0')}`;
    return { code: c, url: `http://bt.example/id/${c}`, title: 'Sheet part', serial: i + 1 };
  });
}

let fake: FakeIppPrinter;
let sheet: PrinterTarget;
let roll: PrinterTarget;

beforeEach(async () => {
  fake = await startFakeIppPrinter();
  sheet = { name: 'office', driver: 'ipp', address: fake.uri, template: 'a4-3x8', dpi: 300 };
  roll = { name: 'line-3', driver: 'ipp', address: fake.uri, template: 'zebra-2x1in', dpi: 203 };
});
afterEach(async () => {
  await fake.stop();
});

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('ipp driver: stopped printers and jobs (scripted printer)', () => {
  it('sheet stock: a batch is whole sheets, and a job stopped after one sheet has printed 24 labels', async () => {
    expect(driver.batchSize(sheet)).toBe(48);
    const batch = { first: 1, labels: labels(30), key: 'bt-7-1-1' };
    const mark = await driver.mark(sheet, batch);
    const printing = driver.print(sheet, batch, mark);
    await until(() => fake.jobs.length === 1);
    const job = fake.jobs[0]!;
    expect(Buffer.from(job.document.subarray(0, 5)).toString()).toBe('%PDF-');
    Object.assign(job, { state: 6, impressions: 1, reasons: ['printer-stopped'] });
    fake.printerState = 5;
    fake.reasons = ['media-empty-error'];
    expect(await printing).toMatchObject({ printed: 24, unsettled: 6, fault: { state: 'paper-out' } });

    expect(await driver.settle(sheet, { key: batch.key, count: 30 }, mark)).toEqual({
      printed: 24,
      pending: 6,
    });
    Object.assign(job, { state: 9, impressions: 2, reasons: [] });
    fake.printerState = 3;
    fake.reasons = ['none'];
    expect(await driver.settle(sheet, { key: batch.key, count: 30 }, mark)).toEqual({
      printed: 30,
      pending: 0,
    });
    expect(await driver.status(sheet)).toMatchObject({ state: 'ready', pending: 0 });
  });

  it('a job aborted after one sheet: 24 printed, the rest certainly not (sent again)', async () => {
    const batch = { first: 1, labels: labels(30), key: 'bt-8-1-1' };
    const mark = await driver.mark(sheet, batch);
    const printing = driver.print(sheet, batch, mark);
    await until(() => fake.jobs.length === 1);
    Object.assign(fake.jobs[0]!, { state: 8, impressions: 1, reasons: ['aborted-by-system'] });
    const outcome = await printing;
    expect(outcome).toMatchObject({ printed: 24, unsettled: 0, fault: { state: 'error', ready: false } });
    expect(outcome.fault?.message).toMatch(/aborted.*aborted-by-system.*24 of 30/);
    expect(await driver.settle(sheet, { key: batch.key, count: 30 }, mark)).toEqual({
      printed: 24,
      pending: 0,
    });
  });

  it('a job canceled at the printer before printing: nothing printed, nothing unsettled', async () => {
    const batch = { first: 1, labels: labels(3), key: 'bt-9-1-1' };
    const mark = await driver.mark(roll, batch);
    const printing = driver.print(roll, batch, mark);
    await until(() => fake.jobs.length === 1);
    Object.assign(fake.jobs[0]!, { state: 7, reasons: ['job-canceled-at-device'] });
    const outcome = await printing;
    expect(outcome).toMatchObject({ printed: 0, unsettled: 0, fault: { state: 'error' } });
    expect(outcome.fault?.message).toContain('canceled');
  });

  it('reads a stopped printer: paused, media jam, other faults; warnings of no consequence stay ready', async () => {
    const read = async (printerState: number, reasons: string[]) => {
      Object.assign(fake, { printerState, reasons });
      return driver.status(roll);
    };
    expect(await read(5, ['paused'])).toMatchObject({ state: 'paused', ready: false });
    expect(await read(5, ['media-jam-error', 'media-low-warning'])).toMatchObject({ state: 'jammed' });
    expect(await read(5, ['door-open-error'])).toMatchObject({ state: 'head-open' });
    const other = await read(5, ['other-error']);
    expect(other).toMatchObject({ state: 'error', ready: false });
    expect(other.message).toContain('other-error');
    expect(await read(3, ['media-low-warning'])).toMatchObject({ state: 'ready', ready: true });
    expect(await read(4, ['none'])).toMatchObject({ state: 'printing', ready: false });
  });

  it('a printer that does not take PDF: the batch is refused before anything is sent, saying PDF is needed', async () => {
    fake.formats = ['image/pwg-raster', 'image/urf'];
    const batch = { first: 1, labels: labels(2), key: 'bt-10-1-1' };
    const mark = await driver.mark(roll, batch);
    await expect(driver.print(roll, batch, mark)).rejects.toMatchObject({
      kind: 'validation',
      problems: [{ field: 'driver', message: expect.stringMatching(/application\/pdf/) }],
    });
    expect(fake.operations).not.toContain(OP.printJob);
  });

  it('a refused job (not accepting jobs) was certainly not printed', async () => {
    fake.refuseJobs = 0x0506;
    const batch = { first: 1, labels: labels(2), key: 'bt-11-1-1' };
    const outcome = await driver.print(roll, batch, await driver.mark(roll, batch));
    expect(outcome).toMatchObject({ printed: 0, unsettled: 0, fault: { state: 'error', ready: false } });
    expect(outcome.fault?.message).toContain('0x0506');
  });

  it('a printer that takes the connection but never answers: unreachable in time, a job sent left unsettled', async () => {
    const batch = { first: 1, labels: labels(2), key: 'bt-12-1-1' };
    const mark = await driver.mark(roll, batch);
    fake.silent = true;
    const started = performance.now();
    expect(await driver.status(roll)).toMatchObject({ state: 'unreachable', ready: false });
    expect(performance.now() - started).toBeLessThan(1_000);
    // Print-Job went out and no answer came: the printer may hold the job.
    expect(await driver.print(roll, batch, mark)).toMatchObject({
      printed: 0,
      unsettled: 2,
      fault: { state: 'unreachable' },
    });
    await expect(driver.settle(roll, { key: batch.key, count: 2 }, mark)).rejects.toThrow(/no answer/);
  });

  it('a job not found: never sent while the printer still lists older jobs; unknown once it forgot them', async () => {
    fake.newJobState = 9;
    const first = { first: 1, labels: labels(1), key: 'bt-13-1-1' };
    expect(await driver.print(roll, first, await driver.mark(roll, first))).toEqual({
      printed: 1,
      unsettled: 0,
    });
    const never = { first: 2, labels: labels(1), key: 'bt-13-2-1' };
    const mark = await driver.mark(roll, never);
    expect(mark.lastJobId).toBe(1);
    expect(await driver.settle(roll, { key: never.key, count: 1 }, mark)).toEqual({ printed: 0, pending: 0 });
    fake.jobs.length = 0; // the printer forgot its finished jobs: ours might have been one of them
    expect(await driver.settle(roll, { key: never.key, count: 1 }, mark)).toBeNull();
  });
});
