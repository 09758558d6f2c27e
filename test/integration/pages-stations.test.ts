/**
 * Scan stations (#17) in headless Chromium at phone size, driven with the keyboard alone as a
 * keyboard-wedge scanner would: a station signs in with an API token (a kiosk session), chooses its
 * workflow and settings, and every scan is typed into the focused input and ended with Enter. Each
 * workflow is checked in the database, the history and the events: test, pack & ship (with its
 * `shipment.created` event), install (genealogy; a fitted module refused), identify (a MAC stored
 * once), receive (a supplier's ISO/IEC 15434 code, with the `{GS}` substitutes a scanner sends).
 * With JavaScript a scan is answered in place and the focus never leaves the input; without it the
 * same form works by redirect. axe-core finds no serious or critical violation on any station.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { settledBuild, startBackground, type Background } from '../helpers/background.ts';
import { launchChromium, phoneContext, seriousAxeViolations } from '../helpers/browser.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';

let ctx: TestContext;
let bg: Background;
let browser: Browser;
let kioskToken: string;
const contexts: BrowserContext[] = [];
const data = {} as { units: string[]; modules: string[]; mpn: string };

async function station(options: { javaScript?: boolean } = {}): Promise<Page> {
  const context = await phoneContext(browser, options);
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${ctx.url}/signin?next=/station`);
  await page.getByLabel('API token').fill(kioskToken);
  await page.getByLabel('API token').press('Enter');
  await page.waitForURL(`${ctx.url}/station`);
  return page;
}

/** Types a scan into the focused input and presses Enter, as a keyboard-wedge scanner does. */
async function scan(page: Page, text: string, javaScript = true): Promise<string> {
  expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('scan');
  const before = await page.locator('#tally').textContent();
  await page.keyboard.type(text);
  if (javaScript) {
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#tally').textContent(), { timeout: 8_000 }).not.toBe(before);
  } else await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
  return ((await page.locator('#scan-result').textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

const tally = async (page: Page) => ({
  ok: Number(await page.locator('#tally-ok').textContent()),
  failed: Number(await page.locator('#tally-failed').textContent()),
});

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

beforeAll(async () => {
  ctx = await createTestContext();
  bg = await startBackground(ctx);
  const f = factories({ uow: ctx.uow });
  const mcu = await f.part({ name: 'MCU' });
  await f.lot({ part: mcu.code, quantity: 1000 });
  const radio = await f.project({ name: 'Radio module', lines: [{ part: mcu.code, quantity: 1 }] });
  const gateway = await f.project({ name: 'Gateway', lines: [{ part: mcu.code, quantity: 1 }] });
  data.units = await unitsOf(gateway.code, 6);
  data.modules = await unitsOf(radio.code, 2);
  data.mpn = 'STM32G071KBT6';
  await f.part({ name: 'STM32G0', mpn: data.mpn });
  const token = await ctx.api('POST', '/api/v1/tokens', { body: { name: 'station 3', role: 'operator' } });
  kioskToken = token.body.token as string;
  browser = await launchChromium();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await bg?.stop();
  await ctx?.close();
});

describe('scan stations, keyboard only', () => {
  it('test: each scan records the station’s result for that unit, answered in place with the focus kept', async () => {
    const page = await station();
    await page.getByRole('link', { name: 'Test', exact: true }).click();
    await page.getByLabel('Test', { exact: true }).fill('functional');
    await page.getByLabel('Station name (optional)').fill('FCT-1');
    await page.getByLabel('Measurements (optional)').fill('vout=3.30');
    await page.getByLabel('Measurements (optional)').press('Tab');
    await page.keyboard.press('Enter'); // "Save settings"
    await page.waitForURL(`${ctx.url}/station/test`);
    await page.locator('#scan').focus();

    const url = `http://buildtrace.test/id/${data.units[0]}`;
    expect(await scan(page, url)).toContain('functional passed');
    expect(await scan(page, 'NOT-A-CODE')).toContain('Not done');
    // What was scanned is echoed as text, never as markup.
    const hostile = '<img src=x onerror=alert(9)>';
    expect(await scan(page, hostile)).toContain(hostile);
    expect(await page.locator('#scan-answer img, #recent img').count()).toBe(0);
    expect(await scan(page, data.units[1]!.toLowerCase())).toContain('functional passed');
    expect(await tally(page)).toEqual({ ok: 2, failed: 2 });
    expect(await page.evaluate('document.activeElement.id')).toBe('scan');

    const results = await ctx
      .db('history_events as h')
      .join('lots as l', 'l.id', 'h.lot_id')
      .where('h.kind', 'test_result')
      .whereIn('l.code', [data.units[0]!, data.units[1]!])
      .select('h.actor', 'h.data');
    expect(results).toHaveLength(2);
    for (const r of results) {
      expect(r.actor).toBe('kiosk:station 3');
      expect(r.data).toMatchObject({
        test: 'functional',
        passed: true,
        station: 'FCT-1',
        measurements: { vout: 3.3 },
      });
    }
  });

  it('pack & ship without JavaScript: units scanned into a shipment, a double read counted once, a unit not available refused, then shipped', async () => {
    const page = await station({ javaScript: false });
    await page.goto(`${ctx.url}/station/ship`);
    await page.getByLabel('Customer').fill('ACME Weather GmbH');
    await page.getByLabel('Order (optional)').fill('SO-2001');
    await page.getByRole('button', { name: 'Open a new shipment' }).click();
    await page.waitForURL(`${ctx.url}/station/ship`);
    await page.locator('#scan').focus();
    await ctx.api('POST', `/api/v1/lots/${data.units[4]}/quarantine`, { body: { reason: 'hold' } });

    expect(await scan(page, data.units[2]!, false)).toContain('packed (1 unit)');
    expect(await scan(page, data.units[2]!, false)).toContain('in this shipment already');
    expect(await scan(page, data.units[3]!, false)).toContain('packed (2 units)');
    expect(await scan(page, data.units[4]!, false)).toContain('quarantined');
    expect(await tally(page)).toEqual({ ok: 3, failed: 1 });
    expect(await page.locator('#shipment').textContent()).toContain('2');
    await page.getByRole('button', { name: 'Ship this shipment' }).click();
    await page.waitForURL(`${ctx.url}/station/ship`);
    expect(await page.locator('#scan-result').textContent()).toMatch(
      /SH-\d{6} shipped: 2 units to ACME Weather GmbH/,
    );

    for (const code of [data.units[2]!, data.units[3]!])
      expect((await ctx.db('lots').where({ code }).first()).status).toBe('shipped');
    // The packing list, to put in the box: PDF and CSV from the station (the session, no token).
    const pdfLink = page.locator('#packing-list a', { hasText: 'PDF' });
    const pdf = await page.request.get(`${ctx.url}${await pdfLink.getAttribute('href')}`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    const csvLink = page.locator('#packing-list a', { hasText: 'CSV' });
    const csv = await (await page.request.get(`${ctx.url}${await csvLink.getAttribute('href')}`)).text();
    for (const code of [data.units[2]!, data.units[3]!]) expect(csv).toContain(code);
    expect((await fetch(`${ctx.url}${await csvLink.getAttribute('href')}`)).status).toBe(401);
    const event = await ctx.db('events').where({ type: 'shipment.created' }).first();
    expect(event.data).toMatchObject({ customer: 'ACME Weather GmbH', order: 'SO-2001', count: 2 });
  });

  it('install: a module then the device it goes into; the same module again is refused', async () => {
    const page = await station();
    await page.goto(`${ctx.url}/station/install`);
    await page.locator('#scan').focus();
    expect(await scan(page, data.modules[0]!)).toContain('now scan the device');
    expect(await page.locator('#pending').textContent()).toContain(data.modules[0]!);
    expect(await scan(page, data.units[5]!)).toContain(`installed in`);
    // The genealogy: the module is linked into the device.
    const link = await ctx
      .db('unit_links as k')
      .join('lots as m', 'm.id', 'k.child_lot_id')
      .join('lots as d', 'd.id', 'k.parent_lot_id')
      .where('m.code', data.modules[0]!)
      .whereNull('k.removed_at')
      .first('d.code');
    expect(link?.code).toBe(data.units[5]);
    expect(await scan(page, data.modules[0]!)).toContain('now scan the device');
    expect(await scan(page, data.units[1]!)).toContain('Not done');
    expect((await tally(page)).failed).toBe(1);
  });

  it('identify: a unit then its MAC address, stored once and refused on another unit', async () => {
    const page = await station();
    await page.goto(`${ctx.url}/station/identify`);
    await page.locator('#scan').focus();
    expect(await scan(page, data.units[0]!)).toContain('now scan its identifier');
    expect(await scan(page, 'a4-cf-12-00-be-01')).toContain('mac A4:CF:12:00:BE:01');
    expect(await scan(page, data.units[1]!)).toContain('now scan its identifier');
    expect(await scan(page, 'A4CF1200BE01')).toContain('Not done');
    const ids = await ctx.db('lot_identifiers').where({ kind: 'mac' }).select('value');
    expect(ids).toEqual([{ value: 'A4:CF:12:00:BE:01' }]);
  });

  it("receive: a supplier's bag code as a scanner sends it becomes a lot; a bad scan is answered clearly", async () => {
    const page = await station();
    await page.goto(`${ctx.url}/station/receive`);
    await page.locator('#scan').focus();
    const bag = `[)>{RS}06{GS}P296-STM32G071KBT6-ND{GS}1P${data.mpn}{GS}K4500012345{GS}1K78901234{GS}10K87654321{GS}9D2544{GS}1TLOT-77{GS}11K1{GS}4LCN{GS}Q250{GS}11ZPICK{RS}{EOT}`;
    expect(await scan(page, bag)).toMatch(new RegExp(`lot \\w{10}: 250 × ${data.mpn}`));
    const lot = await ctx.db('lots').where({ quantity: 250, supplier_order: '4500012345' }).first();
    expect(lot).toBeTruthy();
    expect(await scan(page, '[)>{RS}06{GS}1PXYZ{RS}{EOT}')).toContain('Not done');
  });

  it('every station passes axe-core (no serious or critical violations)', async () => {
    const page = await station();
    const found: string[] = [];
    for (const flow of ['test', 'ship', 'install', 'identify', 'receive']) {
      await page.goto(`${ctx.url}/station/${flow}`);
      found.push(...(await seriousAxeViolations(page)).map((v) => `${flow}: ${v}`));
    }
    expect(found).toEqual([]);
  });
});
