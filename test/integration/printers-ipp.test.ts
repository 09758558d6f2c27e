/**
 * The `ipp` driver against a real IPP Everywhere printer (CUPS's ippeveprinter, see
 * test/helpers/ipp-printer.ts): labels printed in batches come out as the printer's spooled PDFs,
 * read back as a scanner would; status, and settling a batch after a crash by its job name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabelContent } from '../../src/domain/labels.ts';
import type { PrinterTarget } from '../../src/domain/printers.ts';
import { createIppDriver } from '../../src/printers/ipp.ts';
import { decodeQr, poppler, rasterize } from '../helpers/decode.ts';
import { startIppPrinter, type IppTestPrinter } from '../helpers/ipp-printer.ts';

const driver = createIppDriver({ pollMs: 50 });
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A 10-character ID code per label number, distinct for every n. */
function code(n: number): string {
  let s = '';
  for (let i = 0, v = n * 7919 + 104729; i < 10; i++, v = Math.floor(v / 32)) s = ALPHABET[v % 32]! + s;
  return s;
}

function labels(count: number, from = 1): LabelContent[] {
  return Array.from({ length: count }, (_, i) => {
    const c = code(from + i);
    return { code: c, url: `http://bt.example/id/${c}`, title: 'Sensor board', serial: from + i };
  });
}

let printer: IppTestPrinter;
let target: PrinterTarget;

beforeAll(async () => {
  printer = await startIppPrinter();
  target = { name: 'line-1', driver: 'ipp', address: printer.uri, template: 'zebra-2x1in', dpi: 203 };
});
afterAll(async () => {
  await printer?.stop();
});

describe('ipp driver against ippeveprinter', () => {
  it('prints 200 labels in batches: the spooled PDFs decode to the 200 URLs, each once, in order', async () => {
    const all = labels(200);
    const size = driver.batchSize(target);
    expect(size).toBe(50);
    const before = (await printer.spooledPdfs()).length;
    const started = performance.now();
    for (let first = 1; first <= all.length; first += size) {
      const batch = { first, labels: all.slice(first - 1, first - 1 + size), key: `bt-1-${first}-1` };
      const mark = await driver.mark(target, batch);
      expect(mark.jobName).toBe(batch.key);
      const outcome = await driver.print(target, batch, mark);
      expect(outcome).toEqual({ printed: batch.labels.length, unsettled: 0 });
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `ipp: 200 labels through ippeveprinter in ${seconds.toFixed(2)} s (${(200 / seconds).toFixed(0)} labels/s)`,
    );

    const pdfs = (await printer.spooledPdfs()).slice(before);
    expect(pdfs.map((p) => p.replace(/^.*\/\d+-/, ''))).toEqual([
      'bt-1-1-1.pdf',
      'bt-1-51-1.pdf',
      'bt-1-101-1.pdf',
      'bt-1-151-1.pdf',
    ]);
    const decoded: (string | null)[] = [];
    for (const pdf of pdfs) {
      const { stdout } = await poppler('pdfinfo', [pdf]);
      const pages = Number(/^Pages:\s+(\d+)/m.exec(stdout)?.[1]);
      expect(pages).toBe(50);
      for (const page of await rasterize(pdf, { dpi: 300, first: 1, last: pages }))
        decoded.push(decodeQr(page));
    }
    expect(decoded).toEqual(all.map((l) => l.url));
  }, 120_000);

  it('reads an idle printer as ready, and a closed port as unreachable at once', async () => {
    const status = await driver.status(target);
    expect(status).toMatchObject({ state: 'ready', ready: true, pending: 0 });
    expect(status.detail?.documentFormats).toContain('application/pdf');

    const closed = { ...target, address: 'ipp://127.0.0.1:1/ipp/print' };
    const started = performance.now();
    const down = await driver.status(closed);
    expect(down).toMatchObject({ state: 'unreachable', ready: false });
    expect(down.message).toContain('127.0.0.1:1');
    expect(performance.now() - started).toBeLessThan(1_000);
    await expect(driver.mark(closed, { first: 1, labels: labels(1), key: 'bt-9-1-1' })).rejects.toThrow(
      /no answer/,
    );
  });

  it('refuses addresses that are not printer URIs, naming the address', async () => {
    for (const address of ['lpd://10.0.0.1/queue', 'not a uri', 'ipp://user:pw@10.0.0.1/ipp/print']) {
      await expect(driver.status({ ...target, address })).rejects.toMatchObject({
        kind: 'validation',
        problems: [{ field: 'address' }],
      });
    }
  });

  it('settles a batch sent just before a crash by its job name; a batch never sent printed nothing', async () => {
    const batch = { first: 1, labels: labels(5, 500), key: 'bt-2-1-1' };
    const mark = await driver.mark(target, batch);
    // The process "dies" after Print-Job was sent, before it read the job's state: it never learns
    // whether the job printed. A new process settles the batch from its key and mark alone. The
    // printer's engine holds the job (a reason that is no fault) until after the crash.
    await printer.setFault('media-low');
    const aborted = new AbortController();
    const printing = driver.print(target, batch, mark, aborted.signal);
    await waitUntil(async () => (await printer.spooledPdfs()).some((p) => p.endsWith('-bt-2-1-1.pdf')));
    aborted.abort(new Error('crash'));
    await expect(printing).rejects.toThrow('crash');

    const fresh = createIppDriver();
    // Still printing: found by its name, its labels pending.
    expect(await fresh.settle(target, { key: batch.key, count: 5 }, mark)).toEqual({
      printed: 0,
      pending: 5,
    });
    await printer.setFault(null);
    const settled = await waitForSettled(() => fresh.settle(target, { key: batch.key, count: 5 }, mark));
    expect(settled).toEqual({ printed: 5, pending: 0 });

    const never = { first: 6, labels: labels(5, 505), key: 'bt-2-6-1' };
    const neverMark = await driver.mark(target, never);
    expect(await fresh.settle(target, { key: never.key, count: 5 }, neverMark)).toEqual({
      printed: 0,
      pending: 0,
    });
  });

  it('encodes a batch as the PDF it sends: one page per label', async () => {
    const pdf = await driver.encode(target, labels(3));
    expect(Buffer.from(pdf.subarray(0, 5)).toString()).toBe('%PDF-');
  });
});

async function waitUntil(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Settles until the printer has finished the job (a pending answer is right, but not the end). */
async function waitForSettled(
  settle: () => Promise<{ printed: number; pending: number } | null>,
): Promise<{ printed: number; pending: number } | null> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const result = await settle();
    if (result === null || result.pending === 0 || Date.now() > deadline) return result;
    await new Promise((r) => setTimeout(r, 50));
  }
}
