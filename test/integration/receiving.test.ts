/**
 * The receive station (#17) through the API: a supplier's bag scanned into a new lot of the part
 * whose MPN its code gives (DigiKey, Mouser, LCSC), the refusals a technician gets (bad scan, unknown
 * or shared MPN — nothing written), the same bag scanned twice refused unless `again`, and roles.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EOT, GS, RS } from '../../src/domain/supplier-codes.ts';
import { factories } from '../factories.ts';
import { createTestContext, databaseFingerprint, type TestContext } from '../helpers/context.ts';

let ctx: TestContext;
let f: ReturnType<typeof factories>;

beforeAll(async () => {
  ctx = await createTestContext();
  f = factories({ uow: ctx.uow });
});
afterAll(async () => ctx?.close());

const unique = () => randomBytes(3).toString('hex').toUpperCase();

/** A DigiKey bag's code, its fields as DigiKey prints them. */
function digikeyBag(mpn: string, o: { quantity?: number; lot?: string; order?: string; gs?: string } = {}) {
  const gs = o.gs ?? GS;
  const fields = [
    'P296-1395-1-ND',
    `1P${mpn}`,
    'K',
    `1K${o.order ?? '73829104'}`,
    '10K88201937',
    '9D2312',
    `1T${o.lot ?? 'A2305B7'}`,
    '11K1',
    '4LMY',
    `Q${o.quantity ?? 250}`,
    '11ZPICK',
    '12Z1145833',
    '13Z999999',
    '20Z000000000000000000',
  ];
  return `[)>${RS}06${gs}${fields.join(gs)}${RS}${EOT}`;
}

const receive = (body: Record<string, unknown>, role?: 'viewer' | 'operator') =>
  ctx.api('POST', '/api/v1/lots/receive-scan', { body, ...(role ? { role } : {}) });

describe('receiving a supplier bag by its code', () => {
  it("receives a DigiKey bag as a lot of the MPN's part, with its quantity, order and date code", async () => {
    const mpn = `SN74LVC1G14DBVR-${unique()}`;
    const part = await f.part({ mpn });
    const shelf = await f.location();
    const res = await receive({ scan: digikeyBag(mpn.toLowerCase()), location: shelf.code });
    expect(res.status, res.text).toBe(201);
    expect(res.body.lot).toMatchObject({
      partCode: part.code,
      locationCode: shelf.code,
      quantity: 250,
      status: 'available',
      source: 'purchase',
      supplier: 'DigiKey',
      supplierOrder: '73829104',
      dateCode: '2312',
      fields: expect.objectContaining({
        supplierLot: 'A2305B7',
        supplierPart: '296-1395-1-ND',
        countryOfOrigin: 'MY',
        'scan.1P': mpn.toLowerCase(),
        'scan.20Z': '000000000000000000',
        supplierScan: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      }),
    });
    expect(res.body.parsed).toMatchObject({ format: 'iso15434', supplier: 'digikey', quantity: 250 });
    // Received through the one receipt path: a `receive` ledger entry opens the lot.
    const code = (res.body.lot as { code: string }).code;
    const ledger = await ctx.api('GET', `/api/v1/lots/${code}/ledger`);
    expect(ledger.body.items).toEqual([
      expect.objectContaining({ delta: 250, quantityAfter: 250, reason: 'receive' }),
    ]);
  });

  it('receives a Mouser bag whose scanner sent ^] for GS, and an LCSC bag', async () => {
    const mouserMpn = `GRM155R71C104KA88D-${unique()}`;
    await f.part({ mpn: mouserMpn });
    const mouser = `[)>^^06^]KPO-4472^]14K003^]1P${mouserMpn}^]Q1000^]11K61522094^]4LJP^]1VMurata^^^D\r\n`;
    const m = await receive({ scan: mouser });
    expect(m.status, m.text).toBe(201);
    expect(m.body.lot).toMatchObject({ quantity: 1000, supplier: 'Mouser', supplierOrder: 'PO-4472' });

    const lcscMpn = `0603WAF1002T5E-${unique()}`;
    const part = await f.part({ mpn: lcscMpn });
    const scan = `{pbn:PICK2203150012,on:SO2203151234,pc:C25804,pm:${lcscMpn},qty:100,mc:,cc:1,pdi:62069578,hp:0,wc:JS}`;
    const l = await receive({ scan });
    expect(l.status, l.text).toBe(201);
    expect(l.body.lot).toMatchObject({
      partCode: part.code,
      quantity: 100,
      supplier: 'LCSC',
      supplierOrder: 'SO2203151234',
      dateCode: null,
      fields: expect.objectContaining({ supplierPart: 'C25804', 'scan.pbn': 'PICK2203150012' }),
    });
  });

  it('refuses a bad scan or an MPN no part has, naming scan or part, and writes nothing', async () => {
    const before = await databaseFingerprint(ctx);
    const bad = await receive({ scan: 'hello world' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { field: 'scan', message: expect.stringMatching(/^This does not look like a supplier's code/) },
    ]);
    const label = await receive({ scan: `http://buildtrace.test/id/${(await f.part()).code}` });
    const afterPart = await databaseFingerprint(ctx);
    expect(label.status).toBe(400);
    expect(label.body.errors).toEqual([
      { field: 'scan', message: expect.stringMatching(/buildtrace label, not a supplier's code/) },
    ]);
    const noQuantity = await receive({ scan: `[)>${RS}06${GS}1PABC${RS}${EOT}` });
    expect(noQuantity.body.errors).toEqual([
      { field: 'scan', message: 'This is an ISO/IEC 15434 code but it has no quantity (Q)' },
    ]);
    const unknown = await receive({ scan: digikeyBag(`NO-SUCH-MPN-${unique()}`) });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([
      {
        field: 'part',
        message: expect.stringMatching(/no part has the MPN NO-SUCH-MPN-.* the bag's code gives/),
      },
    ]);
    expect(await databaseFingerprint(ctx)).toBe(afterPart);
    expect(afterPart).not.toBe(before); // only the part the label test made
  });

  it('needs the part when two parts share the MPN, and refuses a part the code contradicts', async () => {
    const mpn = `RC0603FR-0710KL-${unique()}`;
    const first = await f.part({ mpn });
    const second = await f.part({ mpn: mpn.toLowerCase() });
    const other = await f.part({ mpn: `OTHER-${unique()}` });
    const scan = digikeyBag(mpn);
    const before = await databaseFingerprint(ctx);
    const shared = await receive({ scan });
    expect(shared.status).toBe(400);
    expect(shared.body.errors).toEqual([
      { field: 'part', message: expect.stringContaining(`2 parts have the MPN ${mpn}`) },
    ]);
    const wrong = await receive({ scan, part: other.code });
    expect(wrong.body.errors).toEqual([
      { field: 'part', message: expect.stringContaining(`but the bag's code says ${mpn}`) },
    ]);
    expect(await databaseFingerprint(ctx)).toBe(before);
    const chosen = await receive({ scan, part: second.code });
    expect(chosen.status, chosen.text).toBe(201);
    expect(chosen.body.lot).toMatchObject({ partCode: second.code });
    expect(first.code).not.toBe(second.code);
  });

  it('refuses the same bag scanned twice within 10 minutes, unless again', async () => {
    const mpn = `LM358DR-${unique()}`;
    await f.part({ mpn });
    const first = await receive({ scan: digikeyBag(mpn) });
    expect(first.status, first.text).toBe(201);
    const lot = (first.body.lot as { code: string }).code;
    const before = await databaseFingerprint(ctx);
    // The same bag, read by a scanner that sends {GS}: the same code.
    const twice = await receive({ scan: digikeyBag(mpn, { gs: '{GS}' }) });
    expect(twice.status).toBe(409);
    expect(twice.body.detail).toMatch(
      new RegExp(`^This bag was received less than a minute ago as lot ${lot}`),
    );
    // Another code of the same order line and lot (its quantity differs): the same bag, as far as
    // anyone can tell.
    const sameLot = await receive({ scan: digikeyBag(mpn, { quantity: 100 }) });
    expect(sameLot.status).toBe(409);
    expect(await databaseFingerprint(ctx)).toBe(before);
    const again = await receive({ scan: digikeyBag(mpn), again: true });
    expect(again.status, again.text).toBe(201);
    expect((again.body.lot as { code: string }).code).not.toBe(lot);
    // Another supplier lot of the same order is another bag.
    const otherLot = await receive({ scan: digikeyBag(mpn, { lot: 'B9999' }) });
    expect(otherLot.status, otherLot.text).toBe(201);
  });

  it('receives one lot when two stations scan the same bag at the same moment', async () => {
    const mpn = `TPS7A0233-${unique()}`;
    await f.part({ mpn });
    const results = await Promise.all([
      receive({ scan: digikeyBag(mpn) }),
      receive({ scan: digikeyBag(mpn) }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  it('lets an operator receive, not a viewer', async () => {
    const mpn = `NE555DR-${unique()}`;
    await f.part({ mpn });
    const before = await databaseFingerprint(ctx);
    const viewer = await receive({ scan: digikeyBag(mpn) }, 'viewer');
    expect(viewer.status).toBe(403);
    expect(await databaseFingerprint(ctx)).toBe(before);
    const operator = await receive({ scan: digikeyBag(mpn) }, 'operator');
    expect(operator.status, operator.text).toBe(201);
  });
});
