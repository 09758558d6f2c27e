/**
 * Shipments, the pack & ship station (issue #17), through the API and real workers: a shipment
 * opened for a customer, devices scanned in by ID code and by formatted serial (a second scan is
 * harmless), devices that cannot go refused naming their status or the shipment that holds them,
 * shipped in one go (each device `shipped` with the customer and order, `shipment.created` once),
 * a device shipped, returned and restocked packed again, and the packing list as PDF and CSV.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShipmentUnit } from '../../src/domain/shipments.ts';
import { renderPackingList } from '../../src/labels/packing-list.ts';
import { factories } from '../factories.ts';
import { settledBuild, startBackground, type Background } from '../helpers/background.ts';
import { makeKit, requestBuild } from '../helpers/builds.ts';
import { createTestContext, type ApiResponse, type TestContext } from '../helpers/context.ts';

let ctx: TestContext;
let bg: Background;
let units: { code: string; serial: number; serialLabel: string }[];

const PDFTOTEXT = ['/usr/bin/pdftotext', '/usr/local/bin/pdftotext'].find((p) => existsSync(p));
/** The text of a PDF, as pdftotext reads it. */
const pdfText = (pdf: Uint8Array) =>
  execFileSync(PDFTOTEXT!, ['-layout', '-', '-'], { input: pdf }).toString();

function expectStatus(res: ApiResponse, status: number) {
  expect(res.status, res.text).toBe(status);
  return res.body;
}
const open = async (body: Record<string, unknown>) =>
  expectStatus(await ctx.api('POST', '/api/v1/shipments', { body }), 201);
const scan = (id: unknown, unit: string) =>
  ctx.api('POST', `/api/v1/shipments/${id as number}/units`, { body: { unit } });
const download = async (path: string) => {
  const res = await fetch(`${ctx.url}/api/v1${path}`, {
    headers: { authorization: `Bearer ${ctx.tokens.viewer}` },
  });
  expect(res.status).toBe(200);
  return { type: res.headers.get('content-type'), bytes: new Uint8Array(await res.arrayBuffer()) };
};

beforeAll(async () => {
  ctx = await createTestContext();
  bg = await startBackground(ctx);
  const f = factories({ uow: ctx.uow });
  const kit = await makeKit(f, { serialFormat: 'GLA-{seq:05}' });
  const build = await requestBuild(ctx, { project: kit.project, quantity: 8, trackUnits: true });
  await settledBuild(ctx, build, (b) => (b.progress as { generated: number }).generated === 8);
  units = (await ctx.api('GET', `/api/v1/builds/${build}/units?limit=100`)).body.items as typeof units;
  expect(units.map((u) => u.serialLabel)).toContain('GLA-00008');
});
afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
});

describe('shipments', () => {
  let a: Record<string, unknown>;

  it('opens a shipment and scans devices in by ID code and by formatted serial; a second scan changes nothing', async () => {
    a = await open({ customer: 'Glacier Labs', order: 'PO-4711', note: 'two boxes' });
    expect(a).toMatchObject({
      status: 'open',
      customer: 'Glacier Labs',
      order: 'PO-4711',
      count: 0,
      units: [],
    });
    expect(a.number).toBe(`SH-${String(a.id).padStart(6, '0')}`);

    const first = expectStatus(await scan(a.id, units[0]!.code.toLowerCase()), 200);
    expect(first).toMatchObject({
      count: 1,
      already: false,
      unit: { code: units[0]!.code, status: 'available' },
    });
    const second = expectStatus(await scan(a.id, 'gla-00002'), 200);
    expect(second).toMatchObject({
      count: 2,
      already: false,
      unit: { code: units[1]!.code, serialLabel: 'GLA-00002' },
    });
    const again = expectStatus(await scan(a.id, units[1]!.code), 200);
    expect(again).toMatchObject({ count: 2, already: true, unit: { code: units[1]!.code } });

    const shown = expectStatus(
      await ctx.api('GET', `/api/v1/shipments/${a.id as number}`, { role: 'viewer' }),
      200,
    );
    expect((shown.units as ShipmentUnit[]).map((u) => u.serialLabel)).toEqual(['GLA-00001', 'GLA-00002']);
    expect(shown.packingList).toEqual({
      pdf: `/api/v1/shipments/${a.id as number}/packing-list.pdf`,
      csv: `/api/v1/shipments/${a.id as number}/packing-list.csv`,
    });
  });

  it('refuses a device that is not available, naming its status, and one packed in another open shipment', async () => {
    expectStatus(
      await ctx.api('POST', `/api/v1/lots/${units[2]!.code}/quarantine`, { body: { reason: 'scratched' } }),
      200,
    );
    const quarantined = await scan(a.id, 'GLA-00003');
    expect(quarantined.status).toBe(422);
    expect(quarantined.body.detail).toBe('unit GLA-00003 is quarantined, not available');

    expectStatus(
      await ctx.api('POST', `/api/v1/lots/${units[3]!.code}/ship`, { body: { customer: 'Someone else' } }),
      200,
    );
    const shipped = await scan(a.id, units[3]!.code);
    expect(shipped.status).toBe(422);
    expect(shipped.body.detail).toBe('unit GLA-00004 is shipped, not available');

    const b = await open({ customer: 'Other customer' });
    const taken = await scan(b.id, units[0]!.code);
    expect(taken.status).toBe(409);
    expect(taken.body.detail).toContain(
      `already packed in shipment ${a.number as string} (for Glacier Labs)`,
    );

    // A device packed in a shipment ships with it, not on its own.
    const alone = await ctx.api('POST', `/api/v1/lots/${units[0]!.code}/ship`, { body: { customer: 'X' } });
    expect(alone.status).toBe(422);
    expect(alone.body.detail).toContain(`packed in shipment ${a.number as string}`);

    const empty = await ctx.api('POST', `/api/v1/shipments/${b.id as number}/ship`, { body: {} });
    expect(empty.status).toBe(422);
    expect(empty.body.detail).toContain('is empty');
  });

  it('takes a device out again (a second removal changes nothing)', async () => {
    expectStatus(await scan(a.id, 'GLA-00005'), 200);
    const path = `/api/v1/shipments/${a.id as number}/units/GLA-00005`;
    expect(expectStatus(await ctx.api('DELETE', path), 200)).toMatchObject({ removed: true, count: 2 });
    expect(expectStatus(await ctx.api('DELETE', path), 200)).toMatchObject({ removed: false, count: 2 });
    // Out of this shipment, the device can go into another one.
    const c = await open({ customer: 'Third' });
    expectStatus(await scan(c.id, 'GLA-00005'), 200);
  });

  it('refuses viewers and bad input, naming the field, and changes nothing', async () => {
    expect(
      (await ctx.api('POST', '/api/v1/shipments', { role: 'viewer', body: { customer: 'x' } })).status,
    ).toBe(403);
    expect(
      (
        await ctx.api('POST', `/api/v1/shipments/${a.id as number}/units`, {
          role: 'viewer',
          body: { unit: units[4]!.code },
        })
      ).status,
    ).toBe(403);
    const missing = await ctx.api('POST', '/api/v1/shipments', { body: { order: 'PO-1' } });
    expect(missing.status).toBe(400);
    expect((missing.body.errors as { field: string }[]).map((e) => e.field)).toEqual(['customer']);
    const long = await ctx.api('POST', '/api/v1/shipments', {
      body: { customer: 'x', order: 'o'.repeat(101) },
    });
    expect(long.status).toBe(400);
    expect((long.body.errors as { field: string }[]).map((e) => e.field)).toEqual(['order']);
    const bad = await scan(a.id, 'not a unit!');
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { field: string }[]).map((e) => e.field)).toEqual(['unit']);
    const shownBefore = await ctx.api('GET', `/api/v1/shipments/${a.id as number}`);
    expect(shownBefore.body.count).toBe(2);
  });

  it('ships every device with the customer and order on its history, and announces shipment.created once', async () => {
    const shipped = expectStatus(
      await ctx.api('POST', `/api/v1/shipments/${a.id as number}/ship`, {
        body: { shippedOn: '2026-12-07' },
      }),
      200,
    );
    expect(shipped).toMatchObject({ status: 'shipped', shippedOn: '2026-12-07', count: 2, already: false });
    expect((shipped.units as ShipmentUnit[]).map((u) => u.status)).toEqual(['shipped', 'shipped']);

    for (const unit of units.slice(0, 2)) {
      const lot = (await ctx.api('GET', `/api/v1/lots/${unit.code}`)).body;
      expect(lot.status).toBe('shipped');
      const items = (await ctx.api('GET', `/api/v1/lots/${unit.code}/history?limit=100`)).body.items as {
        kind: string;
        data: Record<string, unknown>;
      }[];
      expect(items.filter((i) => i.kind === 'shipped').map((i) => i.data)).toEqual([
        {
          from: 'available',
          customer: 'Glacier Labs',
          order: 'PO-4711',
          shippedOn: '2026-12-07',
          note: 'two boxes',
          shipment: a.number,
        },
      ]);
    }

    const events = (await ctx.db('events').where({ type: 'shipment.created' })) as {
      stream: string;
      data: Record<string, unknown>;
    }[];
    expect(events).toHaveLength(1);
    expect(events[0]!.stream).toBe(`shipment:${a.id as number}`);
    expect(events[0]!.data).toMatchObject({
      shipment: a.id,
      number: a.number,
      customer: 'Glacier Labs',
      order: 'PO-4711',
      count: 2,
      shippedOn: '2026-12-07',
      shippedAt: expect.any(String),
      units: [
        {
          code: units[0]!.code,
          serial: 1,
          serialLabel: 'GLA-00001',
          part: expect.any(String),
          partName: expect.any(String),
        },
        {
          code: units[1]!.code,
          serial: 2,
          serialLabel: 'GLA-00002',
          part: expect.any(String),
          partName: expect.any(String),
        },
      ],
    });
    const statusChanges = await ctx.db('events').where({ type: 'lot.status_changed' }).count({ n: '*' });

    const again = expectStatus(
      await ctx.api('POST', `/api/v1/shipments/${a.id as number}/ship`, { body: {} }),
      200,
    );
    expect(again).toMatchObject({ status: 'shipped', already: true, shippedOn: '2026-12-07', count: 2 });
    expect(await ctx.db('events').where({ type: 'shipment.created' })).toHaveLength(1);
    expect(await ctx.db('events').where({ type: 'lot.status_changed' }).count({ n: '*' })).toEqual(
      statusChanges,
    );

    const late = await scan(a.id, 'GLA-00006');
    expect(late.status).toBe(422);
    expect(late.body.detail).toContain('was shipped on 2026-12-07');
  });

  it('packs a device again once it came back and was restocked', async () => {
    const code = units[0]!.code;
    expectStatus(
      await ctx.api('POST', `/api/v1/lots/${code}/return`, { body: { rma: 'RMA-9', reason: 'noise' } }),
      200,
    );
    expectStatus(
      await ctx.api('POST', `/api/v1/lots/${code}/repair`, {
        body: { symptom: 'noise', action: 'reseated' },
      }),
      201,
    );
    expectStatus(await ctx.api('POST', `/api/v1/lots/${code}/restock`, { body: {} }), 200);
    const d = await open({ customer: 'Glacier Labs', order: 'PO-4712' });
    expect(expectStatus(await scan(d.id, code), 200)).toMatchObject({ already: false, count: 1 });
  });

  it('lists shipments by status and customer, a page at a time', async () => {
    const shipped = (await ctx.api('GET', '/api/v1/shipments?status=shipped', { role: 'viewer' })).body;
    expect((shipped.items as { id: number }[]).map((s) => s.id)).toEqual([a.id]);
    const glacier = (await ctx.api('GET', '/api/v1/shipments?customer=GLACIER&limit=1')).body;
    expect((glacier.items as { customer: string }[])[0]!.customer).toBe('Glacier Labs');
    const next = (
      await ctx.api(
        'GET',
        `/api/v1/shipments?customer=glacier&limit=1&cursor=${glacier.nextCursor as string}`,
      )
    ).body;
    expect((next.items as { order: string }[]).map((s) => s.order)).toEqual(['PO-4712']);
    expect(next.nextCursor).toBeNull();
    const literal = (await ctx.api('GET', '/api/v1/shipments?customer=%25')).body;
    expect(literal.items).toEqual([]);
  });

  it('gives the packing list as a PDF that names every unit', async () => {
    const { type, bytes } = await download(`/shipments/${a.id as number}/packing-list.pdf`);
    expect(type).toBe('application/pdf');
    const doc = await PDFDocument.load(bytes);
    expect(doc.getPageCount()).toBe(1);
    if (!PDFTOTEXT) return;
    const text = pdfText(bytes);
    for (const needle of [
      a.number as string,
      'Glacier Labs',
      'PO-4711',
      '2026-12-07',
      'GLA-00001',
      'GLA-00002',
      units[1]!.code,
    ])
      expect(text).toContain(needle);
  });

  it('gives the packing list as a CSV, formulas neutralised', async () => {
    const e = await open({ customer: '=HYPERLINK("http://evil")', order: '+1 "rush"' });
    expectStatus(await scan(e.id, 'GLA-00007'), 200);
    expectStatus(await scan(e.id, 'GLA-00008'), 200);
    const { type, bytes } = await download(`/shipments/${e.id as number}/packing-list.csv`);
    expect(type).toBe('text/csv; charset=utf-8');
    const lines = Buffer.from(bytes).toString('utf8').split('\r\n');
    expect(lines[0]).toBe(
      'shipment,customer,order,shipped_on,part,part_name,serial,formatted_serial,device,build',
    );
    expect(lines).toHaveLength(4); // header, two units, and the empty string after the last CRLF
    expect(lines[1]).toContain(`${e.number as string},"'=HYPERLINK(""http://evil"")","'+1 ""rush""",,`);
    expect(lines[1]).toContain(`,7,GLA-00007,${units[6]!.code},`);
    expect(lines[3]).toBe('');
  });
});

describe('packing list PDF', () => {
  const unit = (i: number): ShipmentUnit => ({
    lotId: i,
    code: `CODE${i}`,
    partCode: 'P0001',
    partName:
      i % 2
        ? 'Sensor board — Zürich 株式会社 😀 with a very long name that cannot fit in its column'
        : 'Board',
    buildCode: 'B0001',
    serial: i,
    serialLabel: i === 3 ? null : `GLA-${String(i).padStart(5, '0')}`,
    status: 'available',
    addedBy: 'test',
    addedAt: new Date(),
  });

  it('breaks hundreds of units over numbered pages, with any text the customer gives', async () => {
    const count = 300;
    const pdf = await renderPackingList({
      shipment: {
        id: 42,
        number: 'SH-000042',
        customer: 'Ünïcödé GmbH 北京 ☃ \u202Eevil',
        order: null,
        note: null,
        status: 'open',
        count,
        createdBy: 'test',
        createdAt: new Date(),
        shippedOn: null,
        shippedAt: null,
        shippedBy: null,
      },
      units: Array.from({ length: count }, (_, i) => unit(i + 1)),
      generatedAt: new Date('2026-12-07T12:00:00Z'),
    });
    const pages = (await PDFDocument.load(pdf)).getPageCount();
    expect(pages).toBeGreaterThan(4);
    if (!PDFTOTEXT) return;
    const text = pdfText(pdf);
    expect(text).toContain('GLA-00001');
    expect(text).toContain('GLA-00300');
    expect(text).toContain('B0001 #3');
    expect(text).toContain(`SH-000042 · page ${pages} of ${pages}`);
  });
});
