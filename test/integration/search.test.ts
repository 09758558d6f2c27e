/**
 * External identifiers of devices and search (#17), against real PostgreSQL and workers: an
 * identifier is normalized, given once (the same again changes nothing), refused on a second device
 * naming the first, refused when malformed naming `value`, kept off plain lots and from viewers, and
 * taken off with a reason — each move on the device's history. Search finds each kind of thing by
 * each thing it is known by, exact matches first, wildcards taken literally.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { quiesce, settledBuild, startBackground, type Background } from '../helpers/background.ts';
import { makeKit, requestBuild, type Kit } from '../helpers/builds.ts';
import {
  createTestContext,
  databaseFingerprint,
  type ApiResponse,
  type TestContext,
} from '../helpers/context.ts';

let ctx: TestContext;
let bg: Background;
let f: ReturnType<typeof factories>;
let kit: Kit;
let build: string;
let units: { code: string; serial: number; serialLabel: string }[];

const identifiersOf = (code: string) => ctx.api('GET', `/api/v1/lots/${code}/identifiers`);
const add = (code: string, kind: string, value: string, role: 'operator' | 'viewer' = 'operator') =>
  ctx.api('POST', `/api/v1/lots/${code}/identifiers`, { body: { kind, value }, role });
const identifiedHistory = async (code: string) =>
  (await ctx.api('GET', `/api/v1/lots/${code}/history?kind=identified&order=asc`)).body.items as {
    summary: string;
    data: Record<string, unknown>;
  }[];
const search = (q: string, limit?: number) =>
  ctx.api('GET', `/api/v1/search?q=${encodeURIComponent(q)}${limit === undefined ? '' : `&limit=${limit}`}`, {
    role: 'viewer',
  });
const itemsOf = (res: ApiResponse) => {
  expect(res.status, res.text).toBe(200);
  return res.body.items as {
    kind: string;
    code: string;
    title: string;
    matched: string;
    matchedValue: string;
  }[];
};
const fieldsOf = (res: ApiResponse) =>
  (res.body.errors as { field: string; message: string }[]).map((e) => e.field);

beforeAll(async () => {
  ctx = await createTestContext();
  f = factories({ uow: ctx.uow });
  bg = await startBackground(ctx);
  kit = await makeKit(f, {
    serialFormat: 'GLA-{yy}{ww}-{seq:05}',
    rLots: [{ quantity: 1_000, supplier: 'Mouser', dateCode: '2611' }],
  });
  build = await requestBuild(ctx, { project: kit.project, quantity: 4, start: true, trackUnits: true });
  await settledBuild(ctx, build, (b) => (b.progress as { generated: number }).generated === 4);
  units = (await ctx.api('GET', `/api/v1/builds/${build}/units`)).body.items as typeof units;
  expect(units).toHaveLength(4);
});
afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
});

describe('identifiers of a device', () => {
  it('keeps a MAC address normalized; giving it again, in another form, changes nothing', async () => {
    const device = units[0]!;
    const first = await add(device.code, 'mac', 'aabb.ccdd.ee01');
    expect(first.status, first.text).toBe(201);
    expect(first.body).toMatchObject({
      kind: 'mac',
      value: 'AA:BB:CC:DD:EE:01',
      lotCode: device.code,
      serialLabel: device.serialLabel,
    });
    await quiesce(ctx);
    const before = await databaseFingerprint(ctx);
    const again = await add(device.serialLabel.toLowerCase(), 'mac', 'AA-BB-CC-DD-EE-01');
    expect(again.status, again.text).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await databaseFingerprint(ctx)).toBe(before);

    expect((await identifiersOf(device.code)).body.items).toEqual([first.body]);
    const history = await identifiedHistory(device.code);
    expect(history).toHaveLength(1);
    expect(history[0]!.summary).toBe('MAC AA:BB:CC:DD:EE:01 added');
    const announced = await ctx
      .db('events')
      .where({ type: 'lot.event_recorded', stream: `lot:${device.code}` })
      .whereRaw(`data->>'kind' = 'identified'`);
    expect(announced).toHaveLength(1);
  });

  it('refuses an identifier another device has, naming that device and its serial', async () => {
    const [owner, other] = [units[0]!, units[1]!];
    await quiesce(ctx);
    const before = await databaseFingerprint(ctx);
    const res = await add(other.code, 'mac', 'aa:bb:cc:dd:ee:01');
    expect(res.status, res.text).toBe(409);
    expect(res.body.detail).toContain(owner.code);
    expect(res.body.detail).toContain(owner.serialLabel);
    expect(res.body).toMatchObject({ device: owner.code, serialLabel: owner.serialLabel });
    expect(await databaseFingerprint(ctx)).toBe(before);
  });

  it('refuses a malformed MAC or IMEI naming value, a bad kind naming kind', async () => {
    const code = units[1]!.code;
    await quiesce(ctx);
    const before = await databaseFingerprint(ctx);
    const mac = await add(code, 'mac', 'aa:bb:cc:dd:ee');
    expect(mac.status).toBe(400);
    expect(fieldsOf(mac)).toEqual(['value']);
    expect(mac.body.detail).toContain('12 hex digits');
    const imei = await add(code, 'imei', '49015420323751');
    expect(imei.status).toBe(400);
    expect(fieldsOf(imei)).toEqual(['value']);
    expect(imei.body.detail).toContain('the check digit is missing (it would be 8)');
    const luhn = await add(code, 'imei', '490154203237519');
    expect(fieldsOf(luhn)).toEqual(['value']);
    const kind = await add(code, 'MAC address', 'aa:bb:cc:dd:ee:02');
    expect(kind.status).toBe(400);
    expect(fieldsOf(kind)).toEqual(['kind']);
    expect(await databaseFingerprint(ctx)).toBe(before);
  });

  it('is given by operators only, and to devices only', async () => {
    await quiesce(ctx);
    const before = await databaseFingerprint(ctx);
    expect((await add(units[1]!.code, 'imei', '490154203237518', 'viewer')).status).toBe(403);
    const plain = await add(kit.lots.r1, 'asset_tag', 'T-1');
    expect(plain.status, plain.text).toBe(422);
    expect(plain.body.detail).toContain('is not a device');
    expect(await databaseFingerprint(ctx)).toBe(before);
  });

  it('is taken off with a reason (in any form its kind accepts), and may then go to another device', async () => {
    const [from, to] = [units[2]!, units[3]!];
    expect((await add(from.code, 'imei', '49-015420-323751-8')).status).toBe(201);
    const removed = await ctx.api(
      'DELETE',
      `/api/v1/lots/${from.code}/identifiers/imei/490154203237518?reason=${encodeURIComponent('modem swapped')}`,
    );
    expect(removed.status, removed.text).toBe(204);
    expect((await identifiersOf(from.code)).body.items).toEqual([]);
    expect((await identifiedHistory(from.code)).map((e) => e.summary)).toEqual([
      'IMEI 490154203237518 added',
      'IMEI 490154203237518 removed: modem swapped',
    ]);
    const again = await ctx.api('DELETE', `/api/v1/lots/${from.code}/identifiers/imei/490154203237518`);
    expect(again.status).toBe(404);
    expect(fieldsOf(again)).toEqual(['value']);
    expect((await add(to.code, 'imei', '490154203237518')).status).toBe(201);
  });
});

describe('search', () => {
  it('finds any object by its ID code, in any case and with hyphens', async () => {
    const device = units[0]!.code;
    const typed = `${device.slice(0, 5)}-${device.slice(5)}`.toLowerCase();
    expect(itemsOf(await search(typed))[0]).toMatchObject({
      kind: 'device',
      code: device,
      matched: 'code',
      matchedValue: device,
    });
    expect(itemsOf(await search(build))[0]).toMatchObject({ kind: 'build', code: build, matched: 'code' });
    expect(itemsOf(await search(kit.lots.u))[0]).toMatchObject({
      kind: 'lot',
      code: kit.lots.u,
      matched: 'code',
    });
    expect(itemsOf(await search(kit.project))[0]).toMatchObject({ kind: 'project', matched: 'code' });
  });

  it('finds a device by the formatted serial on its label, and by its identifiers', async () => {
    const device = units[1]!;
    expect(itemsOf(await search(device.serialLabel.toLowerCase()))[0]).toMatchObject({
      kind: 'device',
      code: device.code,
      matched: 'serial',
      matchedValue: device.serialLabel,
    });
    expect((await add(device.code, 'ble', 'C0:FF:EE:00:00:01')).status).toBe(201);
    expect((await add(device.code, 'asset_tag', 'ACME 0042')).status).toBe(201);
    expect(itemsOf(await search('c0ffee000001'))).toEqual([
      expect.objectContaining({
        kind: 'device',
        code: device.code,
        matched: 'identifier',
        matchedValue: 'C0:FF:EE:00:00:01',
      }),
    ]);
    expect(itemsOf(await search('ACME 0042'))[0]).toMatchObject({ code: device.code, matched: 'identifier' });
    expect(itemsOf(await search('490154203237518'))[0]).toMatchObject({
      code: units[3]!.code,
      matched: 'identifier',
    });
  });

  it('finds parts by the start of their MPN, lots by supplier order and date code', async () => {
    const part = await f.part({ name: 'Buck converter', mpn: 'TPS62933DRLR', manufacturer: 'TI' });
    const lot = await f.lot({ part: part.code, supplierOrder: 'PO-2026-117', dateCode: '2650' });
    expect(itemsOf(await search('tps6293'))).toEqual([
      {
        kind: 'part',
        code: part.code,
        title: 'Buck converter',
        subtitle: 'TI',
        matched: 'mpn',
        matchedValue: 'TPS62933DRLR',
      },
    ]);
    expect(itemsOf(await search('po-2026-117'))).toEqual([
      expect.objectContaining({
        kind: 'lot',
        code: lot.code,
        matched: 'supplier_order',
        matchedValue: 'PO-2026-117',
      }),
    ]);
    expect(itemsOf(await search('2650'))).toContainEqual(
      expect.objectContaining({ kind: 'lot', code: lot.code, matched: 'date_code', matchedValue: '2650' }),
    );
  });

  it('finds parts, projects and locations by part of their name, wildcards taken literally', async () => {
    const off = await f.part({ name: 'Gizmo 5% off' });
    await f.part({ name: 'Gizmo 50 off' });
    const under = await f.location({ name: 'Bin a_b' });
    await f.location({ name: 'Bin axb' });
    const project = await f.project({ name: 'Weather station' });
    expect(itemsOf(await search('5%')).map((i) => i.code)).toEqual([off.code]);
    expect(itemsOf(await search('a_b')).map((i) => i.code)).toEqual([under.code]);
    // The project, and the part it produces, named after it.
    expect(itemsOf(await search('WEATHER')).map((i) => [i.kind, i.code, i.matched])).toEqual([
      ['part', project.producesPartCode, 'name'],
      ['project', project.code, 'name'],
    ]);
  });

  it('lists exact matches first, and at most `limit` items', async () => {
    const device = units[0]!;
    expect((await add(device.code, 'asset_tag', 'ZEBRA-7')).status).toBe(201);
    const location = await f.location({ name: 'ZEBRA-7 shelf' });
    expect(itemsOf(await search('zebra-7')).map((i) => [i.code, i.matched])).toEqual([
      [location.code, 'name'],
    ]);
    expect(itemsOf(await search('ZEBRA-7')).map((i) => [i.code, i.matched])).toEqual([
      [device.code, 'identifier'],
      [location.code, 'name'],
    ]);
    expect(itemsOf(await search('ZEBRA-7', 1)).map((i) => i.code)).toEqual([device.code]);
  });

  it('refuses an empty text naming q, and a limit over 50 naming limit', async () => {
    for (const q of ['', '   ']) {
      const res = await search(q);
      expect(res.status).toBe(400);
      expect(fieldsOf(res)).toEqual(['q']);
    }
    const missing = await ctx.api('GET', '/api/v1/search');
    expect(fieldsOf(missing)).toEqual(['q']);
    const big = await search('x', 51);
    expect(big.status).toBe(400);
    expect(fieldsOf(big)).toEqual(['limit']);
  });
});
