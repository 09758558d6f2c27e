/**
 * The zpl driver against a fake Zebra on a loopback port (test/helpers/fake-zpl-printer.ts): batches
 * confirmed by the odometer, faults (paper out, head open, paused, stalled, a dropped connection)
 * counted exactly, and the fake's print log proving every label printed exactly once.
 */
import { connect, createServer, type AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.ts';
import { labelUrl, type LabelContent } from '../../src/domain/labels.ts';
import type { PrintBatch, PrinterDriver, PrinterTarget } from '../../src/domain/printers.ts';
import { LABEL_TEMPLATES } from '../../src/domain/label-templates.ts';
import { createZplDriver, zplDriver, zplLabel } from '../../src/printers/zpl.ts';
import { FakeZplPrinter } from '../helpers/fake-zpl-printer.ts';

const PUBLIC_URL = 'https://buildtrace.example.com';

function label(i: number): LabelContent {
  const code = `T${String(i).padStart(9, '0')}`;
  return { code, url: labelUrl(PUBLIC_URL, code), title: 'Power Supply Board', serial: i };
}
const labels = (from: number, count: number) => Array.from({ length: count }, (_, i) => label(from + i));
const urls = (from: number, count: number) => labels(from, count).map((l) => l.url);

const driver: PrinterDriver = createZplDriver({
  connectTimeoutMs: 500,
  replyTimeoutMs: 500,
  counterTimeoutMs: 200,
  pollMs: 20,
  stallMs: 1500,
});

let printer: FakeZplPrinter;
let target: PrinterTarget;
beforeEach(async () => {
  printer = await FakeZplPrinter.start({ speed: 2 });
  target = { name: 'line-1', driver: 'zpl', address: printer.address, template: 'zebra-2x1in', dpi: 203 };
});
afterEach(async () => {
  await printer.close();
});

const batch = (first: number, count: number, attempt = 1): PrintBatch => ({
  first,
  labels: labels(first, count),
  key: `bt-1-${first}-${attempt}`,
});

/** Waits until `check` holds (polling), for faults switched on mid-batch. */
async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('zpl driver against a fake Zebra', () => {
  it('200 labels in batches of the printer’s size print in order, each exactly once', async () => {
    const size = driver.batchSize(target);
    expect(size).toBe(50);
    const started = Date.now();
    for (let first = 1; first <= 200; first += size) {
      const b = batch(first, Math.min(size, 201 - first));
      const mark = await driver.mark(target, b);
      expect(mark.counter).toBe(1000 + first - 1);
      expect(await driver.print(target, b, mark)).toEqual({ printed: b.labels.length, unsettled: 0 });
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(`200 labels at 2 ms/label through the driver: ${(200 / seconds).toFixed(0)} labels/s`);
    const log = printer.printed();
    expect(log.map((l) => l.data)).toEqual(urls(1, 200));
    expect(log.map((l) => l.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(log[0]!.zpl).toContain('^FXbatch bt-1-1-1');
    expect(printer.odometer).toBe(1200);
    expect(await driver.status(target)).toMatchObject({
      state: 'ready',
      ready: true,
      pending: 0,
      counter: 1200,
    });
  });

  it('full speed: the driver sends and confirms a 500-label batch', async () => {
    printer.speed = 0;
    const b = batch(1, 500);
    const started = Date.now();
    expect(await driver.print(target, b, await driver.mark(target, b))).toEqual({
      printed: 500,
      unsettled: 0,
    });
    const seconds = (Date.now() - started) / 1000;
    console.log(`500 labels, fake printing at full speed: ${(500 / seconds).toFixed(0)} labels/s`);
    expect(printer.printed().map((l) => l.data)).toEqual(urls(1, 500));
  });

  it('paper out after 120: a fault with 120 printed and 80 unsettled; refilled, settle finds all 200', async () => {
    printer.paperOutAfter(120);
    const b = batch(1, 200);
    const mark = await driver.mark(target, b);
    const outcome = await driver.print(target, b, mark);
    expect(outcome).toMatchObject({
      printed: 120,
      unsettled: 80,
      fault: { state: 'paper-out', pending: 80 },
    });
    expect(await driver.settle(target, { key: b.key, count: 200 }, mark)).toEqual({
      printed: 120,
      pending: 80,
    });
    printer.refill();
    await printer.drained();
    expect(await driver.settle(target, { key: b.key, count: 200 }, mark)).toEqual({
      printed: 200,
      pending: 0,
    });
    expect(printer.printed().map((l) => l.data)).toEqual(urls(1, 200));
  });

  it('a connection dropped mid-batch: the exact count, and resending the rest prints each label once', async () => {
    printer.dropConnectionAfter(70);
    const b = batch(1, 100);
    const mark = await driver.mark(target, b);
    const outcome = await driver.print(target, b, mark);
    expect(outcome).toMatchObject({ printed: 70, unsettled: 0, fault: { state: 'unreachable' } });
    expect(await driver.settle(target, { key: b.key, count: 100 }, mark)).toEqual({
      printed: 70,
      pending: 0,
    });
    const rest = batch(71, 30, 2);
    expect(await driver.print(target, rest, await driver.mark(target, rest))).toEqual({
      printed: 30,
      unsettled: 0,
    });
    const data = printer.printed().map((l) => l.data);
    expect(data).toEqual(urls(1, 100));
    expect(new Set(data).size).toBe(100);
  });

  it('paused mid-batch: a fault with the printed count and the buffer unsettled; resumed, settle agrees', async () => {
    const b = batch(1, 100);
    const mark = await driver.mark(target, b);
    const printing = driver.print(target, b, mark);
    await until(() => printer.printed().length >= 30);
    printer.pause();
    const outcome = await printing;
    const printed = printer.printed().length;
    expect(outcome).toMatchObject({ printed, unsettled: 100 - printed, fault: { state: 'paused' } });
    expect(await driver.status(target)).toMatchObject({
      state: 'paused',
      ready: false,
      pending: 100 - printed,
    });
    await expect(driver.mark(target, batch(101, 1))).rejects.toThrow(/paused/);
    printer.resume();
    await printer.drained();
    expect(await driver.settle(target, { key: b.key, count: 100 }, mark)).toEqual({
      printed: 100,
      pending: 0,
    });
  });

  it('head open: status says so, mark refuses, a batch ends with the fault', async () => {
    printer.openHead();
    expect(await driver.status(target)).toMatchObject({
      state: 'head-open',
      ready: false,
      message: 'print head open',
    });
    await expect(driver.mark(target, batch(1, 5))).rejects.toThrow(/print head open/);
    const b = batch(1, 5);
    const outcome = await driver.print(target, b, { counter: printer.odometer });
    expect(outcome).toMatchObject({ printed: 0, unsettled: 5, fault: { state: 'head-open' } });
    printer.closeHead();
    await printer.drained();
    expect(await driver.settle(target, { key: b.key, count: 5 }, { counter: 1000 })).toEqual({
      printed: 5,
      pending: 0,
    });
  });

  it('a printer that stops answering mid-batch ends as a fault after the stall time', async () => {
    const b = batch(1, 100);
    const mark = await driver.mark(target, b);
    const printing = driver.print(target, b, mark);
    await until(() => printer.printed().length >= 20);
    printer.stall();
    const started = Date.now();
    const outcome = await printing;
    expect(Date.now() - started).toBeLessThan(4000);
    expect(outcome.fault?.state).toBe('unreachable');
    expect(outcome.printed).toBeLessThanOrEqual(printer.printed().length);
    expect(outcome.printed + outcome.unsettled).toBe(100);
    printer.unstall();
    await printer.drained();
    expect(await driver.settle(target, { key: b.key, count: 100 }, mark)).toEqual({
      printed: 100,
      pending: 0,
    });
  });

  it('a printer that answers but prints nothing for the stall time ends the batch as a fault', async () => {
    printer.speed = 60_000;
    const b = batch(1, 10);
    const outcome = await driver.print(target, b, await driver.mark(target, b));
    expect(outcome).toMatchObject({ printed: 0, unsettled: 10, fault: { state: 'error', pending: 10 } });
    expect(outcome.fault?.message).toMatch(/no progress for 1.5 s/);
  });

  it('unreachable: status answers `unreachable` quickly, print reports nothing sent, settle throws', async () => {
    await printer.close();
    const started = Date.now();
    expect(await driver.status(target)).toMatchObject({ state: 'unreachable', ready: false });
    const blackhole = { ...target, address: '10.255.255.1:9100' };
    expect(await driver.status(blackhole)).toMatchObject({ state: 'unreachable' });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await driver.print(target, batch(1, 3), { counter: 0 })).toMatchObject({
      printed: 0,
      unsettled: 0,
      fault: { state: 'unreachable' },
    });
    await expect(driver.settle(target, { key: 'k', count: 3 }, { counter: 0 })).rejects.toThrow();
    await expect(driver.mark(target, batch(1, 3))).rejects.toThrow();
    printer = await FakeZplPrinter.start();
  });

  it('something on the port that answers garbage: status `error`, never a throw', async () => {
    const server = createServer((socket) =>
      socket.on('data', () => socket.write('\x02hello\x03\x02a\x03\x02b\x03')),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      expect(await driver.status({ ...target, address: `127.0.0.1:${port}` })).toMatchObject({
        state: 'error',
        ready: false,
        message: expect.stringMatching(/not a ~HS answer/),
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a printer without the SGD counter: batches still confirm from its buffer, settle cannot tell', async () => {
    printer.setCounter('silent');
    const b = batch(1, 20);
    const mark = await driver.mark(target, b);
    expect(mark.counter).toBeNull();
    expect(await driver.print(target, b, mark)).toEqual({ printed: 20, unsettled: 0 });
    expect(await driver.settle(target, { key: b.key, count: 20 }, mark)).toBeNull();
    printer.setCounter('unknown');
    expect((await driver.status(target)).counter).toBeUndefined();
  });

  it('no counter and a dropped connection: nothing unconfirmed is called certainly unprinted', async () => {
    printer.setCounter('silent');
    printer.dropConnectionAfter(70);
    printer.paperOutAfter(50);
    const b = batch(1, 100);
    const mark = await driver.mark(target, b);
    // 50 printed, 20 held, 30 never arrived: without a counter the driver cannot tell which is which.
    expect(await driver.print(target, b, mark)).toMatchObject({
      printed: 0,
      unsettled: 100,
      fault: { state: 'paper-out', pending: 20 },
    });
    expect(await driver.settle(target, { key: b.key, count: 100 }, mark)).toBeNull();
  });

  it('honours an AbortSignal mid-batch', async () => {
    printer.speed = 20;
    const b = batch(1, 50);
    const controller = new AbortController();
    const printing = driver.print(target, b, await driver.mark(target, b), controller.signal);
    setTimeout(() => controller.abort(new Error('run cancelled')), 100);
    await expect(printing).rejects.toThrow('run cancelled');
  });

  it('checks its input: address, template, dpi, labels', async () => {
    const bad = async (t: Partial<PrinterTarget>, field: string) => {
      const error = await zplDriver.status({ ...target, ...t }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems[0]!.field).toBe(field);
    };
    await bad({ address: '' }, 'address');
    await bad({ address: 'printer 1:9100' }, 'address');
    await bad({ address: 'host:99999' }, 'address');
    await bad({ address: 'host:' }, 'address');
    await bad({ template: 'nope' }, 'template');
    await bad({ template: 'a4-3x8', dpi: 300 }, 'template');
    await bad({ dpi: 600 }, 'dpi');
    const error = await driver.print(target, { first: 1, labels: [], key: 'k' }, {}).catch((e: unknown) => e);
    expect((error as ValidationError).problems[0]!.field).toBe('labels');
    const encoded = new TextDecoder().decode(await driver.encode(target, labels(1, 2)));
    expect(encoded.match(/\^XA/g)).toHaveLength(2);
  });
});

describe('the fake Zebra itself', () => {
  it('prints whole formats only: a partial one left at a closed connection is discarded', async () => {
    const [one, two] = [label(1), label(2)].map((l) => driverZpl(l));
    const socket = connect(printer.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.end(one + two!.slice(0, 80));
    await until(() => printer.printed().length === 1);
    await new Promise((r) => setTimeout(r, 30));
    expect(printer.received).toBe(1);
    expect(printer.printed().map((l) => l.data)).toEqual([label(1).url]);
  });

  it('answers ~HS with three STX…ETX lines, formats in buffer = queued formats', async () => {
    printer.pause();
    const socket = connect(printer.port, '127.0.0.1');
    const answer = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
        if (text.split('\x03').length === 4) resolve(text);
      });
    });
    socket.write(driverZpl(label(1)) + driverZpl(label(2)) + '~HS');
    expect(await answer).toBe(
      '\x02030,0,1,0203,002,0,0,0,000,0,0,0\x03\r\n\x02001,0,0,0,0,2,6,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n',
    );
    socket.destroy();
  });
});

function driverZpl(content: LabelContent): string {
  return zplLabel(LABEL_TEMPLATES['zebra-2x1in'], 203, content);
}
