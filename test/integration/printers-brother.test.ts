/**
 * The brother-ql driver against a fake Brother QL on a loopback port: every label the fake printed is
 * decoded from its bitmap (jsQR), so "printed in order exactly once" is read off the labels, not the
 * driver's word. Faults: out of labels mid-batch, cover open, a connection dropped mid-page, a
 * printer that is not there or does not answer, a cancelled run.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { LabelContent } from '../../src/domain/labels.ts';
import type { BatchOutcome, PrinterDriver, PrinterTarget } from '../../src/domain/printers.ts';
import { brotherQlDriver, createBrotherQlDriver } from '../../src/printers/brother-ql.ts';
import { pageImage } from '../helpers/brother-raster.ts';
import { decodeQr } from '../helpers/decode.ts';
import { FakeBrotherQl } from '../helpers/fake-brother-ql.ts';

const labels: LabelContent[] = Array.from({ length: 200 }, (_, i) => {
  const code = `Q${String(i + 1).padStart(9, '0')}`;
  return {
    code,
    url: `https://buildtrace.example.com/id/${code}`,
    title: 'Sensor Board Rev B',
    serial: i + 1,
  };
});

let fake: FakeBrotherQl | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function targetOf(address: string): PrinterTarget {
  return { name: 'QL-820NWB', driver: 'brother-ql', address, template: 'brother-62x29', dpi: 300 };
}

/** Sends labels `from`… (0-based) in batches until all are confirmed or a batch stops early. */
async function run(
  driver: PrinterDriver,
  target: PrinterTarget,
  from: number,
  to: number,
  size = driver.batchSize(target),
): Promise<{ next: number; last?: BatchOutcome; key?: string }> {
  let next = from;
  while (next < to) {
    const batch = {
      first: next + 1,
      labels: labels.slice(next, Math.min(to, next + size)),
      key: `bt-1-${next + 1}-1`,
    };
    const mark = await driver.mark(target, batch);
    const outcome = await driver.print(target, batch, mark);
    next += outcome.printed;
    if (outcome.fault) return { next, last: outcome, key: batch.key };
    expect(outcome).toEqual({ printed: batch.labels.length, unsettled: 0 });
  }
  return { next };
}

/** What the fake printed, read as a scanner would. */
function printedUrls(printer: FakeBrotherQl): string[] {
  return printer.printed().map((p, i) => {
    expect(p.seq).toBe(i + 1);
    expect([p.bitmap.width, p.bitmap.height]).toEqual([720, 271]);
    return decodeQr(pageImage(p.bitmap)) ?? `unreadable page ${p.seq}`;
  });
}
const urls = (from: number, to: number) => labels.slice(from, to).map((l) => l.url);

describe('brother-ql driver against a fake QL', () => {
  it('prints 200 labels in order, each exactly once, one confirmed page at a time', async () => {
    fake = await FakeBrotherQl.start();
    const target = targetOf(fake.address);
    expect(await brotherQlDriver.status(target)).toMatchObject({ state: 'ready', ready: true });
    const started = performance.now();
    expect(await run(brotherQlDriver, target, 0, 200)).toEqual({ next: 200 });
    console.log(`brother-ql: 200 labels sent to the fake in ${(performance.now() - started).toFixed(0)} ms`);
    expect(printedUrls(fake)).toEqual(urls(0, 200));
    expect(fake.protocolErrors).toEqual([]);
    expect(fake.sessions.filter((s) => s.includes('ESC i z'))).toHaveLength(10);
  });

  it('stops on "no media" after 120 labels with nothing in doubt, and prints the rest once after a refill', async () => {
    fake = await FakeBrotherQl.start();
    fake.noMediaAfter(120);
    const driver = createBrotherQlDriver({ batchSize: 25 });
    const target = targetOf(fake.address);
    const stopped = await run(driver, target, 0, 200);
    expect(stopped.next).toBe(120);
    expect(stopped.last).toMatchObject({
      printed: 20,
      unsettled: 0,
      fault: { state: 'paper-out', ready: false },
    });
    expect(await driver.settle(target, { key: stopped.key!, count: 21 }, {})).toEqual({
      printed: 20,
      pending: 0,
    });
    expect(await driver.status(target)).toMatchObject({
      state: 'paper-out',
      message: 'out of labels: no media loaded',
    });
    // A batch sent while the printer is empty stops at its status check: nothing sent, nothing in doubt.
    expect((await run(driver, target, 120, 200)).last).toMatchObject({
      printed: 0,
      unsettled: 0,
      fault: { state: 'paper-out' },
    });
    fake.refill();
    expect(await run(driver, target, 120, 200)).toEqual({ next: 200 });
    expect(printedUrls(fake)).toEqual(urls(0, 200));
  });

  it('leaves exactly the page whose print command was sent in doubt when the connection drops mid-page', async () => {
    fake = await FakeBrotherQl.start();
    fake.dropConnectionMidPage(57);
    const driver = createBrotherQlDriver();
    const target = targetOf(fake.address);
    const stopped = await run(driver, target, 0, 80);
    // Labels 41–56 of the third batch confirmed, 57 written in full but never answered for.
    expect(stopped.next).toBe(56);
    expect(stopped.last).toMatchObject({ printed: 16, unsettled: 1, fault: { state: 'unreachable' } });
    expect(await driver.settle(target, { key: stopped.key!, count: 17 }, {})).toBeNull();
    expect(await driver.settle(target, { key: 'bt-unknown', count: 0 }, {})).toEqual({
      printed: 0,
      pending: 0,
    });
    // A person looks: 57 did not come out (the QL drops a page it did not receive in full); resume there.
    expect(fake.printed()).toHaveLength(56);
    expect(await run(driver, target, 56, 80)).toEqual({ next: 80 });
    expect(printedUrls(fake)).toEqual(urls(0, 80));
  });

  it('reports an open cover and prints nothing until it is closed', async () => {
    fake = await FakeBrotherQl.start();
    const target = targetOf(fake.address);
    fake.openCover();
    expect(await brotherQlDriver.status(target)).toMatchObject({ state: 'head-open', ready: false });
    expect((await run(brotherQlDriver, target, 0, 5)).last).toEqual({
      printed: 0,
      unsettled: 0,
      fault: expect.objectContaining({ state: 'head-open' }),
    });
    fake.closeCover();
    expect(await run(brotherQlDriver, target, 0, 5)).toEqual({ next: 5 });
    expect(printedUrls(fake)).toEqual(urls(0, 5));
  });

  it('answers unreachable quickly for a closed port and for a printer that never answers', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const target = targetOf(`127.0.0.1:${port}`);
    const started = performance.now();
    expect(await brotherQlDriver.status(target)).toMatchObject({ state: 'unreachable', ready: false });
    expect(performance.now() - started).toBeLessThan(1000);
    await expect(
      brotherQlDriver.mark(target, { first: 1, labels: labels.slice(0, 1), key: 'k' }),
    ).rejects.toThrow(/cannot ask/);
    expect(
      await brotherQlDriver.print(target, { first: 1, labels: labels.slice(0, 1), key: 'k' }, {}),
    ).toMatchObject({
      printed: 0,
      unsettled: 0,
      fault: { state: 'unreachable' },
    });

    const silent: Server = createServer((socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const quiet = targetOf(`127.0.0.1:${(silent.address() as { port: number }).port}`);
      const driver = createBrotherQlDriver({ timeout: 300 });
      const before = performance.now();
      expect(await driver.status(quiet)).toMatchObject({
        state: 'unreachable',
        message: expect.stringMatching(/no status/),
      });
      expect(performance.now() - before).toBeLessThan(1500);
    } finally {
      silent.close();
    }
  });

  it('stops when cancelled, with the page in flight in doubt and none printed twice', async () => {
    fake = await FakeBrotherQl.start({ printMs: 40 });
    const target = targetOf(fake.address);
    const controller = new AbortController();
    // Cancelled once a few labels are out, while the next is printing.
    const watch = setInterval(() => {
      if (fake!.printed().length >= 3) {
        clearInterval(watch);
        setTimeout(() => controller.abort(), 20);
      }
    }, 5);
    const batch = { first: 1, labels: labels.slice(0, 20), key: 'bt-2-1-1' };
    const outcome = await brotherQlDriver.print(target, batch, {}, controller.signal);
    clearInterval(watch);
    expect(outcome.fault).toMatchObject({ state: 'error', message: 'cancelled before the batch ended' });
    expect(outcome.printed).toBeGreaterThan(0);
    expect(outcome.printed).toBeLessThan(20);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const printed = fake.printed().length;
    expect(printed).toBeGreaterThanOrEqual(outcome.printed);
    expect(printed).toBeLessThanOrEqual(outcome.printed + outcome.unsettled);
    expect(await brotherQlDriver.settle(target, { key: batch.key, count: 20 }, {})).toEqual(
      outcome.unsettled ? null : expect.anything(),
    );
  });
});
