/**
 * `recordStationScan` called directly, as Slack or the CLI would drive a station (no browser, no
 * page): each flow's scan done (test, ship, install, identify, receive) and the refusals a station
 * answers with the command's own words — a unit not available for shipping, a module already fitted,
 * an identifier another unit has, a bag code that is no supplier code, an unknown code — each
 * leaving the database and the station's pending scan as they were. A receive whose label cannot be
 * printed is refused whole: no lot without its label request.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute } from '../../src/commands/define.ts';
import { recordStationScan, scanAtStation, type StationScanOutcome } from '../../src/commands/stations.ts';
import type { Actor } from '../../src/domain/roles.ts';
import type { StationFlow } from '../../src/domain/sessions.ts';
import type { PendingScan } from '../../src/domain/stations.ts';
import { EOT, GS, RS } from '../../src/domain/supplier-codes.ts';
import { factories } from '../factories.ts';
import { settledBuild, startBackground } from '../helpers/background.ts';
import { createTestContext, databaseFingerprint, type TestContext } from '../helpers/context.ts';

let ctx: TestContext;
const data = {} as { units: string[]; modules: string[]; mpn: string; shelf: string };
const actor: Actor = { name: 'kiosk:station 9', role: 'operator' };

/** One scan, as a transport runs it: refusals answered, faults thrown. */
const scan = (
  flow: StationFlow,
  text: string,
  settings: Record<string, string> = {},
  pending: PendingScan | null = null,
): Promise<StationScanOutcome> =>
  scanAtStation((command, input) => execute(ctx, command, actor, input), {
    flow,
    scan: text,
    settings,
    pending,
  });

/**
 * Every row the application keeps. A refused insert rolled back may have used up a sequence value;
 * that is not a change a station's user can see, so sequences are left out here.
 */
const rows = async () =>
  (await databaseFingerprint(ctx))
    .split('\n')
    .filter((line) => !line.startsWith('sequence '))
    .join('\n');

/** A refused scan changes nothing: the database is as it was, the pending scan kept. */
async function refused(
  flow: StationFlow,
  text: string,
  settings: Record<string, string>,
  pending: PendingScan | null,
  reason: RegExp,
) {
  const before = await rows();
  const outcome = await scan(flow, text, settings, pending);
  expect(outcome).toEqual({ ok: false, code: null, pending, message: expect.stringMatching(reason) });
  expect(outcome.message.startsWith(`${text.trim().slice(0, 60)}: `)).toBe(true);
  expect(await rows()).toBe(before);
}

async function unitsOf(project: string, count: number): Promise<string[]> {
  const created = await ctx.api('POST', '/api/v1/builds', {
    body: { project, quantity: count, trackUnits: true },
  });
  expect(created.status, created.text).toBe(201);
  const build = (created.body.build as { code: string }).code;
  await settledBuild(ctx, build, (b) => (b.progress as { completed: number }).completed === count);
  const codes: string[] = [];
  for (let serial = 1; serial <= count; serial++)
    codes.push((await ctx.api('GET', `/api/v1/builds/${build}/units/${serial}`)).body.code as string);
  return codes;
}

/** A DigiKey bag's code (ISO/IEC 15434). */
const digikeyBag = (mpn: string, lot = 'A2305B7') =>
  `[)>${RS}06${GS}${['P296-1395-1-ND', `1P${mpn}`, '1K73829104', '9D2312', `1T${lot}`, 'Q250'].join(GS)}${RS}${EOT}`;

beforeAll(async () => {
  ctx = await createTestContext();
  const bg = await startBackground(ctx);
  const f = factories({ uow: ctx.uow });
  const mcu = await f.part({ name: 'MCU' });
  await f.lot({ part: mcu.code, quantity: 1000 });
  const radio = await f.project({ name: 'Radio module', lines: [{ part: mcu.code, quantity: 1 }] });
  const gateway = await f.project({ name: 'Gateway', lines: [{ part: mcu.code, quantity: 1 }] });
  data.units = await unitsOf(gateway.code, 6);
  data.modules = await unitsOf(radio.code, 1);
  data.mpn = `STM32G071KBT6-${randomBytes(3).toString('hex').toUpperCase()}`;
  await f.part({ name: 'STM32G0', mpn: data.mpn });
  data.shelf = (await f.location()).code;
  // The workers were needed to build the units; without them nothing changes behind a test's back.
  await bg.stop();
}, 120_000);

afterAll(async () => ctx?.close());

describe('recordStationScan, driven without a page', () => {
  it('test: records the station’s result for the scanned unit (a label URL or a code)', async () => {
    const settings = { test: 'functional', passed: 'false', station: ' FCT-1 ', measurements: 'vout=3.30' };
    const done = await scan('test', `https://buildtrace.test/id/${data.units[0]}`, settings);
    expect(done).toMatchObject({ ok: true, code: data.units[0], pending: null });
    expect(done.message).toMatch(/: functional failed$/);
    const result = await ctx
      .db('history_events as h')
      .join('lots as l', 'l.id', 'h.lot_id')
      .where({ 'h.kind': 'test_result', 'l.code': data.units[0] })
      .first('h.actor', 'h.data');
    expect(result.actor).toBe(actor.name);
    expect(result.data).toMatchObject({ test: 'functional', passed: false, station: 'FCT-1' });
    expect(result.data.measurements).toEqual({ vout: 3.3 });

    await refused('test', data.units[1]!, {}, null, /choose the test in the station settings first/);
    await refused('test', 'NOT-A-CODE', settings, null, /is neither a valid ID code/);
    await refused('test', '   ', settings, null, /is empty: scan a label/);
  });

  it('ship: packs the unit into the open shipment once; a unit not available is refused', async () => {
    const opened = await ctx.api('POST', '/api/v1/shipments', { body: { customer: 'ACME' } });
    const settings = { shipment: String(opened.body.id) };
    expect(await scan('ship', data.units[1]!, settings)).toMatchObject({
      ok: true,
      code: data.units[1],
      message: expect.stringMatching(/packed \(1 unit\)$/),
    });
    expect((await scan('ship', data.units[1]!.toLowerCase(), settings)).message).toMatch(
      /in this shipment already \(1 units\)$/,
    );
    await ctx.api('POST', `/api/v1/lots/${data.units[2]}/quarantine`, { body: { reason: 'hold' } });
    await refused('ship', data.units[2]!, settings, null, /is quarantined, not available/);
    await refused('ship', data.units[3]!, {}, null, /open a shipment in the station settings first/);
  });

  it('install: a module, then the device it goes into; a module already fitted is refused', async () => {
    const first = await scan('install', data.modules[0]!);
    expect(first).toMatchObject({ ok: true, code: data.modules[0] });
    expect(first.message).toMatch(/now scan the device it goes into$/);
    expect(first.pending).toMatchObject({ code: data.modules[0] });
    const fitted = await scan('install', data.units[3]!, {}, first.pending);
    expect(fitted).toMatchObject({ ok: true, code: data.units[3], pending: null });
    expect(fitted.message).toContain(`${first.pending!.label} installed in`);
    const link = await ctx
      .db('unit_links as k')
      .join('lots as m', 'm.id', 'k.child_lot_id')
      .join('lots as d', 'd.id', 'k.parent_lot_id')
      .where('m.code', data.modules[0]!)
      .whereNull('k.removed_at')
      .first('d.code');
    expect(link?.code).toBe(data.units[3]);
    const repair = await ctx
      .db('history_events as h')
      .join('lots as l', 'l.id', 'h.lot_id')
      .where({ 'h.kind': 'repair', 'l.code': data.units[3] })
      .first('h.data');
    expect(repair.data).toMatchObject({ symptom: 'assembly step', action: `fitted ${first.pending!.label}` });

    const again = await scan('install', data.modules[0]!, { mode: 'repair' });
    expect(again.pending).toMatchObject({ code: data.modules[0] });
    await refused('install', data.units[4]!, { mode: 'repair' }, again.pending, /is already inside a device/);
  });

  it('identify: a unit, then its identifier (kind told from the value); one another unit has is refused', async () => {
    const unit = await scan('identify', data.units[4]!);
    expect(unit).toMatchObject({ ok: true, code: data.units[4] });
    expect(unit.message).toMatch(/now scan its identifier$/);
    const stored = await scan('identify', ' a4-cf-12-00-be-01 ', {}, unit.pending);
    expect(stored).toMatchObject({ ok: true, code: data.units[4], pending: null });
    expect(stored.message).toMatch(/: mac A4:CF:12:00:BE:01$/);
    expect((await scan('identify', 'A4:CF:12:00:BE:01', {}, unit.pending)).message).toMatch(
      /\(had it already\)$/,
    );

    const other = await scan('identify', data.units[5]!);
    await refused('identify', 'A4CF1200BE01', {}, other.pending, /already an identifier of device/);
    await refused('identify', 'hello', {}, other.pending, /cannot tell what 'hello' is/);
    // A lot is not a unit.
    const lot = await factories({ uow: ctx.uow }).lot({ quantity: 5 });
    await refused('identify', lot.code, {}, null, /is a lot, not a unit: scan a unit/);
    expect(await ctx.db('lot_identifiers').where({ kind: 'mac' }).select('value')).toEqual([
      { value: 'A4:CF:12:00:BE:01' },
    ]);
  });

  it('receive: a supplier bag becomes a lot at the station’s location; a bad code is refused', async () => {
    const done = await scan('receive', digikeyBag(data.mpn), { location: data.shelf });
    expect(done).toMatchObject({ ok: true, pending: null });
    expect(done.message).toBe(`lot ${done.code}: 250 × ${data.mpn}`);
    const lot = await ctx.db('lots').where({ code: done.code }).first();
    expect(lot.quantity).toBe(250);

    await refused('receive', 'just some text', {}, null, /does not look like a supplier's code/);
    await refused('receive', digikeyBag(data.mpn), { location: data.shelf }, null, /was received/);
    // The label cannot be printed: the bag is not received either (one transaction).
    await refused(
      'receive',
      digikeyBag(data.mpn, 'B9'),
      { printer: 'no such printer' },
      null,
      /printer no such printer does not exist/,
    );
  });

  it('the command alone refuses as every command does (a thrown domain error, nothing written)', async () => {
    await expect(
      execute(ctx, recordStationScan, actor, { flow: 'test', scan: 'NOPE', settings: { test: 'x' } }),
    ).rejects.toMatchObject({ kind: expect.any(String) });
    await expect(
      execute(ctx, recordStationScan, { name: 'viewer', role: 'viewer' }, { flow: 'test', scan: 'x' }),
    ).rejects.toThrow(/needs the operator role/);
    await expect(execute(ctx, recordStationScan, actor, { flow: 'weld', scan: 'x' })).rejects.toThrow();
  });
});
