/**
 * A 200-unit build printed through the API and the worker on each of the other two drivers'
 * counterparts: a fake Brother QL on a loopback port (its rasterised pages decoded with jsQR) and
 * ippeveprinter, the CUPS project's IPP Everywhere printer (its spooled PDFs rasterised with poppler
 * and decoded). Each comes out as exactly the 200 unit URLs, once each, in serial order. The
 * Brother QL running out of labels pauses the run; refilled, the run goes on by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackground, type Background } from '../helpers/background.ts';
import { pageImage } from '../helpers/brother-raster.ts';
import { builtUnits, finishedRun, pausedRun } from '../helpers/printing.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { decodeQr, poppler, rasterize } from '../helpers/decode.ts';
import { FakeBrotherQl } from '../helpers/fake-brother-ql.ts';
import { startIppPrinter, type IppTestPrinter } from '../helpers/ipp-printer.ts';
import { PrinterWatch } from '../../workers/printer-watch.ts';

let ctx: TestContext;
let bg: Background;
let watch: PrinterWatch;
let brother: FakeBrotherQl | undefined;
let ipp: IppTestPrinter | undefined;

beforeAll(async () => {
  ctx = await createTestContext({ env: { PRINT_LEASE_MS: '3000' } });
  bg = await startBackground(ctx);
  watch = new PrinterWatch({
    deps: { uow: ctx.uow, services: ctx.services },
    drivers: ctx.services.printers!,
    intervalMs: 100,
    log: ctx.log,
  });
  watch.start();
});
afterAll(async () => {
  await watch?.stop();
  await bg?.stop();
  await brother?.close();
  await ipp?.stop();
  await ctx?.close();
});

const unitUrls = (quantity: number) => builtUnits(ctx, quantity);

async function print(code: string, printer: Record<string, unknown>) {
  const added = await ctx.api('POST', '/api/v1/printers', { body: printer });
  expect(added.status, added.text).toBe(201);
  const res = await ctx.api('POST', '/api/v1/labels', { body: { build: code, printer: printer.name } });
  expect(res.status, res.text).toBe(202);
  return res.body.id as number;
}

const finished = (id: number) => finishedRun(ctx, id);

describe('printing through each driver', () => {
  it('brother-ql: 200 units come out as their 200 URLs, once each, in order; out of labels at 120 pauses and resumes', async () => {
    brother = await FakeBrotherQl.start();
    brother.noMediaAfter(120);
    const { code, urls } = await unitUrls(200);
    const id = await print(code, {
      name: 'QL-820 bench 3',
      driver: 'brother-ql',
      address: brother.address,
      template: 'brother-62x29',
    });
    const paused = await pausedRun(ctx, id);
    expect(paused).toMatchObject({ pausedState: 'paper-out', printed: 120 });
    brother.refill();
    expect(await finished(id)).toMatchObject({ status: 'done', printed: 200 });
    const decoded = brother.printed().map((p) => decodeQr(pageImage(p.bitmap)));
    expect(decoded).toEqual(urls);
    expect(brother.protocolErrors).toEqual([]);
  }, 180_000);

  it('ipp (ippeveprinter): 200 units come out as their 200 URLs, once each, in order', async () => {
    ipp = await startIppPrinter(`bt-printing-${process.pid}`);
    const before = (await ipp.spooledPdfs()).length;
    const { code, urls } = await unitUrls(200);
    const id = await print(code, {
      name: 'Office IPP',
      driver: 'ipp',
      address: ipp.uri,
      template: 'zebra-2x1in',
      dpi: 203,
    });
    expect(await finished(id)).toMatchObject({ status: 'done', printed: 200 });
    const decoded: (string | null)[] = [];
    for (const pdf of (await ipp.spooledPdfs()).slice(before)) {
      const pages = Number(/^Pages:\s+(\d+)/m.exec((await poppler('pdfinfo', [pdf])).stdout)?.[1]);
      for (const page of await rasterize(pdf, { dpi: 300, first: 1, last: pages }))
        decoded.push(decodeQr(page));
    }
    expect(decoded).toEqual(urls);
  }, 180_000);
});
