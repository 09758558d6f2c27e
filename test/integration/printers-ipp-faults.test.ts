/**
 * Printer faults through the `ipp` driver against ippeveprinter: its print engine (the helper's
 * script) reports a printer-state reason and holds the job, as a printer out of labels does; the
 * batch ends with the fault and its labels unsettled, and settles once the printer is put right.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LabelContent } from '../../src/domain/labels.ts';
import type { PrinterTarget } from '../../src/domain/printers.ts';
import { createIppDriver } from '../../src/printers/ipp.ts';
import { decodeQr, rasterize } from '../helpers/decode.ts';
import { startIppPrinter, type IppTestPrinter } from '../helpers/ipp-printer.ts';

const driver = createIppDriver({ pollMs: 50 });

function labels(count: number, from: number): LabelContent[] {
  return Array.from({ length: count }, (_, i) => {
    const c = `FAULT${String(from + i).padStart(5, '0')}`;
    return { code: c, url: `http://bt.example/id/${c}`, title: 'Fault board' };
  });
}

let printer: IppTestPrinter;
let target: PrinterTarget;

beforeAll(async () => {
  printer = await startIppPrinter();
  target = { name: 'line-2', driver: 'ipp', address: printer.uri, template: 'brother-62x29', dpi: 300 };
});
afterEach(async () => {
  // Put the printer right and let it finish what it holds, so that no test sees another's job.
  await printer?.setFault(null);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const status = await driver.status(target);
    if (status.state === 'ready' && status.pending === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the test printer did not become idle');
});
afterAll(async () => {
  await printer?.stop();
});

async function settleWhenDone(key: string, count: number, mark: Parameters<typeof driver.settle>[2]) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const settled = await driver.settle(target, { key, count }, mark);
    if (settled === null || settled.pending === 0 || Date.now() > deadline) return settled;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('ipp driver: printer faults (ippeveprinter)', () => {
  it('out of labels mid-run: the batch stops as paper-out, unsettled; once refilled it prints and settles', async () => {
    await printer.setFault('media-empty');
    const batch = { first: 1, labels: labels(5, 1), key: 'bt-3-1-1' };
    const mark = await driver.mark(target, batch);
    const outcome = await driver.print(target, batch, mark);
    expect(outcome).toMatchObject({ printed: 0, unsettled: 5, fault: { state: 'paper-out', ready: false } });
    expect(outcome.fault?.message).toContain('out of labels');

    expect(await driver.status(target)).toMatchObject({ state: 'paper-out', ready: false, pending: 1 });
    expect(await driver.settle(target, { key: batch.key, count: 5 }, mark)).toEqual({
      printed: 0,
      pending: 5,
    });

    await printer.setFault(null);
    expect(await settleWhenDone(batch.key, 5, mark)).toEqual({ printed: 5, pending: 0 });
    expect(await driver.status(target)).toMatchObject({ state: 'ready', ready: true, pending: 0 });
    const pdf = (await printer.spooledPdfs()).find((p) => p.endsWith('-bt-3-1-1.pdf'))!;
    const pages = await rasterize(pdf, { dpi: 300, first: 1, last: 5 });
    expect(pages.map(decodeQr)).toEqual(batch.labels.map((l) => l.url));
  });

  it.each([
    ['media-jam', 'jammed'],
    ['cover-open', 'head-open'],
    ['marker-supply-empty', 'ribbon-out'],
    ['paused', 'paused'],
  ] as const)('%s at the printer ends the batch as %s', async (reason, state) => {
    await printer.setFault(reason);
    const batch = { first: 1, labels: labels(2, 100), key: `bt-4-${reason}` };
    const mark = await driver.mark(target, batch);
    const outcome = await driver.print(target, batch, mark);
    expect(outcome).toMatchObject({ printed: 0, unsettled: 2, fault: { state, ready: false } });
    await printer.setFault(null);
    expect(await settleWhenDone(batch.key, 2, mark)).toEqual({ printed: 2, pending: 0 });
    expect((await driver.status(target)).state).toBe('ready');
  });

  it('a run cancelled while its job is held stops at once; the job is found again and settles', async () => {
    // media-low is no fault: the job just stays "processing", as a slow printer's does.
    await printer.setFault('media-low');
    const batch = { first: 1, labels: labels(1, 200), key: 'bt-5-1-1' };
    const mark = await driver.mark(target, batch);
    const aborted = new AbortController();
    const printing = driver.print(target, batch, mark, aborted.signal);
    await new Promise((r) => setTimeout(r, 300));
    const started = performance.now();
    aborted.abort(new Error('run cancelled'));
    await expect(printing).rejects.toThrow('run cancelled');
    expect(performance.now() - started).toBeLessThan(200);
    expect(await driver.settle(target, { key: batch.key, count: 1 }, mark)).toEqual({
      printed: 0,
      pending: 1,
    });
    await printer.setFault(null);
    expect(await settleWhenDone(batch.key, 1, mark)).toEqual({ printed: 1, pending: 0 });
  });

  it('a job not done in time ends the batch, its labels unsettled, rather than waiting for ever', async () => {
    await printer.setFault('media-low');
    const impatient = createIppDriver({ pollMs: 50, maxJobMs: 300 });
    const batch = { first: 1, labels: labels(2, 300), key: 'bt-6-1-1' };
    const mark = await impatient.mark(target, batch);
    const outcome = await impatient.print(target, batch, mark);
    expect(outcome).toMatchObject({ printed: 0, unsettled: 2, fault: { state: 'printing', ready: false } });
    expect(outcome.fault?.message).toMatch(/not done after/);
    await printer.setFault(null);
    expect(await settleWhenDone(batch.key, 2, mark)).toEqual({ printed: 2, pending: 0 });
  });
});
