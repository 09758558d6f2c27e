/**
 * Finding things on the pages (#17): `/search` (grouped results; one exact match opens its page),
 * the lists `/builds`, `/lots` and `/devices` with their filters and Next links, and the CSV exports
 * (`/id/<build>/units.csv`, `/id/<build>/consumption.csv`, `/lots.csv`): RFC 4180 quoting, formula
 * cells neutralised, paged through more than one page of the command. Against real PostgreSQL and
 * workers; a stranger sees none of it; names are escaped; /builds and /lots fit a 390 px phone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { launchChromium, phoneContext, seriousAxeViolations } from '../helpers/browser.ts';
import { settledBuild, startBackground, type Background } from '../helpers/background.ts';
import { makeKit, requestBuild, type Kit } from '../helpers/builds.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';

const XSS = '<script>alert(1)</script>';
const FORMULA = '=HYPERLINK("x")';
/** More lots of one part than one page of the export reads (500), and than one list page (50). */
const BULK_LOTS = 505;

let ctx: TestContext;
let bg: Background;
let kit: Kit;
const data = {} as {
  build: string;
  units: { code: string; serial: number; serialLabel: string }[];
  xssPart: { code: string; mpn: string };
  bulkPart: string;
  bulkLocation: string;
  bulkLots: string[];
};

/** GET a page as a reader with the viewer's API token (or as a stranger). */
const get = (path: string, as: 'viewer' | 'stranger' = 'viewer') =>
  fetch(`${ctx.url}${path}`, {
    redirect: 'manual',
    headers: as === 'viewer' ? { authorization: `Bearer ${ctx.tokens.viewer}` } : {},
  });

async function pageOf(path: string): Promise<string> {
  const res = await get(path);
  const body = await res.text();
  expect(res.status, body).toBe(200);
  return body;
}

/** The `href`s of the links in an HTML page. */
const hrefs = (body: string) =>
  [...body.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&'));
/** How many items the list page shows. */
const rows = (body: string) =>
  (/<ul class="list" id="results">([\s\S]*?)<\/ul>/.exec(body)?.[1] ?? '').split('<li>').length - 1;

/** RFC 4180 records (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field === '' && record.length === 0, 'the file ends with CRLF').toBe(true);
  return records;
}

async function csvOf(path: string): Promise<{ res: Response; text: string; records: string[][] }> {
  const res = await get(path);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
  return { res, text, records: parseCsv(text) };
}

beforeAll(async () => {
  ctx = await createTestContext();
  bg = await startBackground(ctx);
  const f = factories({ uow: ctx.uow });
  kit = await makeKit(f, {
    serialFormat: 'LST-{yy}{ww}-{seq:05}',
    rLots: [{ quantity: 1_000, supplier: FORMULA, dateCode: '2611' }],
  });
  const xssPart = await f.part({ name: XSS, mpn: 'XSSMPN-77' });
  await f.lot({ part: xssPart.code, quantity: 5, supplier: 'Mouser, "EU"' });
  const bulk = await f.part({ name: 'Bulk resistor' });
  const location = await f.location({ name: 'Bulk shelf' });
  const bulkLots: string[] = [];
  for (let i = 0; i < BULK_LOTS; i++)
    bulkLots.push((await f.lot({ part: bulk.code, quantity: 1 + i, location: location.code })).code);
  const build = await requestBuild(ctx, { project: kit.project, quantity: 3, start: true, trackUnits: true });
  await settledBuild(ctx, build, (b) => (b.progress as { generated: number }).generated === 3);
  const units = (await ctx.api('GET', `/api/v1/builds/${build}/units`)).body.items as typeof data.units;
  expect(units).toHaveLength(3);
  Object.assign(data, {
    build,
    units,
    xssPart: { code: xssPart.code, mpn: 'XSSMPN-77' },
    bulkPart: bulk.code,
    bulkLocation: location.code,
    bulkLots,
  });
}, 120_000);

afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
});

describe('search', () => {
  it('opens the page of an exact match: an ID code, a formatted serial (any case)', async () => {
    const byCode = await get(`/search?q=${data.build}`);
    expect(byCode.status).toBe(302);
    expect(byCode.headers.get('location')).toBe(`/id/${data.build}`);
    const unit = data.units[1]!;
    const bySerial = await get(`/search?q=${encodeURIComponent(unit.serialLabel.toLowerCase())}`);
    expect(bySerial.status).toBe(302);
    expect(bySerial.headers.get('location')).toBe(`/id/${unit.code}`);
  });

  it('lists what an MPN prefix finds, grouped by what matched, names escaped', async () => {
    const body = await pageOf('/search?q=XSSMPN');
    expect(body).toContain('id="matched-mpn"');
    expect(body).toContain('Manufacturer part number');
    expect(hrefs(body)).toContain(`/id/${data.xssPart.code}`);
    expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(body).not.toContain(XSS);
    // The box keeps what was searched for.
    expect(body).toMatch(/<input[^>]*name="q"[^>]*value="XSSMPN"/);
  });

  it('lists several things a name finds (no exact match: no redirect)', async () => {
    const body = await pageOf('/search?q=Bulk');
    expect(body).toContain('id="matched-name"');
    expect(hrefs(body)).toEqual(expect.arrayContaining([`/id/${data.bulkPart}`, `/id/${data.bulkLocation}`]));
  });

  it('shows the form alone for an empty query, says when nothing is found, refuses a query too long', async () => {
    const empty = await pageOf('/search');
    expect(empty).toMatch(/<form class="search" method="get" action="\/search"/);
    expect(empty).toMatch(/<label for="search-q">Search<\/label>/);
    expect(empty).not.toContain('id="results-count"');
    expect(await pageOf('/search?q=nothing-like-this-zzz')).toContain('Nothing found for');
    const long = await get(`/search?q=${'x'.repeat(201)}`);
    expect(long.status).toBe(400);
    expect(await long.text()).toContain('201 characters long: at most 200');
  });

  it('is the search box of the home page', async () => {
    const home = await pageOf('/');
    expect(home).toMatch(/<form class="search" method="get" action="\/search"/);
    // The header's look-up by ID code stays.
    expect(home).toContain('id="lookup-header"');
  });
});

describe('lists', () => {
  it('/lots filters by part and location and pages 50 at a time, the Next link keeping the filters', async () => {
    const path = `/lots?part=${data.bulkPart}&location=${data.bulkLocation}&status=`;
    const first = await pageOf(path);
    expect(rows(first)).toBe(50);
    const next = hrefs(first).find((h) => h.includes('cursor='));
    expect(next).toBeDefined();
    const url = new URL(next!, ctx.url);
    expect(url.pathname).toBe('/lots');
    expect(url.searchParams.get('part')).toBe(data.bulkPart);
    expect(url.searchParams.get('location')).toBe(data.bulkLocation);
    expect(url.searchParams.has('status')).toBe(false);
    const second = await pageOf(`${url.pathname}${url.search}`);
    expect(rows(second)).toBe(50);
    const shown = [first, second].flatMap((b) =>
      hrefs(b).filter((h) => data.bulkLots.includes(h.slice('/id/'.length))),
    );
    expect(new Set(shown).size).toBe(100);
    expect(first).not.toContain(kit.lots.r1);
    // The form shows the filters in use, each with a label.
    expect(first).toMatch(new RegExp(`<input[^>]*id="filter-part"[^>]*value="${data.bulkPart}"`));
    for (const name of ['part', 'location', 'status', 'empty'])
      expect(first).toContain(`for="filter-${name}"`);
    expect(hrefs(first)).toContain(`/lots.csv?part=${data.bulkPart}&location=${data.bulkLocation}`);
  });

  it('/lots filters by status, and says what is wrong with a filter', async () => {
    const quarantined = await pageOf(`/lots?part=${data.bulkPart}&status=quarantined`);
    expect(rows(quarantined)).toBe(0);
    expect(quarantined).toContain('id="results-empty"');
    const bad = await get('/lots?part=NOTACODE');
    expect(bad.status).toBe(400);
    const body = await bad.text();
    expect(body).toContain('id="problem"');
    expect(body).toContain('id="filter-part"');
    const broken = await get('/lots?cursor=%00nonsense');
    expect(broken.status).toBe(400);
  });

  it('/builds filters by project and status', async () => {
    const mine = await pageOf(`/builds?project=${kit.project}`);
    expect(rows(mine)).toBe(1);
    expect(hrefs(mine)).toContain(`/id/${data.build}`);
    expect(await pageOf(`/builds?project=${kit.project}&status=cancelled`)).not.toContain(data.build);
    expect(hrefs(await pageOf('/builds'))).toContain(`/id/${data.build}`);
    expect(await pageOf('/builds')).toMatch(/<select id="filter-status" name="status">/);
  });

  it('/devices lists only lots with a serial number (listLots devices=true)', async () => {
    const body = await pageOf(`/devices?part=${kit.producedPart}`);
    expect(rows(body)).toBe(3);
    for (const u of data.units) expect(hrefs(body)).toContain(`/id/${u.code}`);
    expect(body).toContain(data.units[0]!.serialLabel);
    const all = await pageOf('/devices');
    expect(all).not.toContain(data.bulkLots[0]);
    expect(all).not.toContain(kit.lots.r1);
    const api = await ctx.api('GET', '/api/v1/lots?devices=true&limit=500', { role: 'viewer' });
    expect(api.status, api.text).toBe(200);
    const items = api.body.items as { serial: number | null }[];
    expect(items.length).toBe(3);
    expect(items.every((l) => l.serial !== null)).toBe(true);
  });
});

describe('CSV exports', () => {
  it('/id/<build>/units.csv: every unit with its serial, formatted serial and status', async () => {
    const { res, records } = await csvOf(`/id/${data.build}/units.csv`);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${data.build}-units.csv"`);
    expect(records[0]).toEqual([
      'serial',
      'serial_label',
      'code',
      'status',
      'location',
      'quantity',
      'part',
      'created_at',
      'updated_at',
    ]);
    expect(records.slice(1).map((r) => [r[0], r[1], r[2]])).toEqual(
      data.units.map((u) => [String(u.serial), u.serialLabel, u.code]),
    );
  });

  it('/id/<build>/consumption.csv: the lots consumed, a formula supplier neutralised and quoted', async () => {
    const { res, text, records } = await csvOf(`/id/${data.build}/consumption.csv`);
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="${data.build}-consumption.csv"`,
    );
    expect(records[0]![0]).toBe('lot');
    const r = records.find((row) => row[0] === kit.lots.r1);
    expect(r).toBeDefined();
    expect(r![3]).toBe('6');
    expect(r![5]).toBe(`'${FORMULA}`);
    expect(text).toContain(`"'=HYPERLINK(""x"")"`);
    expect(text.split('\r\n').some((line) => line.startsWith('='))).toBe(false);
  });

  it('/lots.csv: the same filters as /lots, every lot (more than one page of reading)', async () => {
    const { res, records } = await csvOf(`/lots.csv?part=${data.bulkPart}`);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="lots.csv"');
    expect(records).toHaveLength(BULK_LOTS + 1);
    expect(new Set(records.slice(1).map((r) => r[0]))).toEqual(new Set(data.bulkLots));
    const formula = await csvOf(`/lots.csv?part=${kit.parts.r}`);
    expect(formula.records[1]![6]).toBe(`'${FORMULA}`);
    const xss = await csvOf(`/lots.csv?part=${data.xssPart.code}`);
    expect(xss.text).toContain('"Mouser, ""EU"""');
    expect(xss.records[1]![6]).toBe('Mouser, "EU"');
  });

  it('the build page and /lots link to them', async () => {
    const build = hrefs(await pageOf(`/id/${data.build}`));
    expect(build).toEqual(
      expect.arrayContaining([`/id/${data.build}/units.csv`, `/id/${data.build}/consumption.csv`]),
    );
  });
});

describe('a stranger', () => {
  it('sees a sign-in link instead of any list or search result', async () => {
    for (const path of [
      `/search?q=${data.build}`,
      '/search?q=Bulk',
      '/search',
      '/builds',
      `/lots?part=${data.bulkPart}`,
      '/devices',
    ]) {
      const res = await get(path, 'stranger');
      const body = await res.text();
      expect(res.status, path).toBe(200);
      expect(hrefs(body), path).toContain(`/signin?next=${encodeURIComponent(path)}`);
      // What is shown, apart from the links (the sign-in link carries the path back).
      const shown = body.replace(/href="[^"]*"/g, '');
      for (const secret of [data.build, data.bulkLots[0]!, data.units[0]!.code, kit.lots.r1, 'Bulk'])
        expect(shown, `${path} shows ${secret}`).not.toContain(secret);
    }
  });

  it('gets the sign-in page, not the data, for every CSV', async () => {
    for (const path of [
      `/id/${data.build}/units.csv`,
      `/id/${data.build}/consumption.csv`,
      `/lots.csv?part=${data.bulkPart}`,
    ]) {
      const res = await get(path, 'stranger');
      const body = await res.text();
      expect(res.status, path).toBe(401);
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(res.headers.get('content-disposition'), path).toBeNull();
      expect(body, path).not.toContain(data.units[0]!.code);
      expect(body, path).not.toContain(data.bulkLots[0]);
      expect(body, path).not.toContain('HYPERLINK');
    }
  });
});

describe('on a phone', () => {
  it('/builds, /lots, /devices and /search fit 390 px, with no serious axe-core violation', async () => {
    const browser = await launchChromium();
    try {
      const phone = await phoneContext(browser, {
        headers: { authorization: `Bearer ${ctx.tokens.viewer}` },
      });
      for (const path of ['/builds', `/lots?part=${data.bulkPart}`, '/devices', '/search?q=Bulk', '/']) {
        const page = await phone.newPage();
        const response = await page.goto(`${ctx.url}${path}`);
        expect(response?.status(), path).toBe(200);
        expect(await page.evaluate('document.scrollingElement.scrollWidth <= window.innerWidth'), path).toBe(
          true,
        );
        expect(await seriousAxeViolations(page), path).toEqual([]);
        await page.close();
      }
      // Filtering with the form, as a person would.
      const page = await phone.newPage();
      await page.goto(`${ctx.url}/lots`);
      await page.getByLabel('Part code').fill(data.bulkPart);
      await page.getByRole('button', { name: 'Show' }).click();
      await page.waitForURL(/part=/);
      expect(await page.locator('#results > li').count()).toBe(50);
      await page.getByRole('link', { name: 'Next 50 lots' }).click();
      await page.waitForURL(/cursor=/);
      expect(new URL(page.url()).searchParams.get('part')).toBe(data.bulkPart);
    } finally {
      await browser.close();
    }
  }, 60_000);
});

describe('PAGES_PUBLIC=false', () => {
  it('still answers a stranger with a sign-in link, and a token reader with the data', async () => {
    const closed = await createTestContext({ env: { PAGES_PUBLIC: 'false' } });
    try {
      const lot = await factories({ uow: closed.uow }).lot({ quantity: 3 });
      for (const path of ['/search?q=x', '/builds', '/lots', '/devices']) {
        const res = await fetch(`${closed.url}${path}`);
        const body = await res.text();
        expect(res.status, path).toBe(200);
        expect(body, path).toContain(`/signin?next=${encodeURIComponent(path)}`);
        expect(body, path).not.toContain(lot.code);
      }
      const csv = await fetch(`${closed.url}/lots.csv`);
      expect(csv.status).toBe(401);
      expect(await csv.text()).not.toContain(lot.code);
      const reader = { headers: { authorization: `Bearer ${closed.tokens.viewer}` } };
      expect(await (await fetch(`${closed.url}/lots`, reader)).text()).toContain(`/id/${lot.code}`);
      expect(await (await fetch(`${closed.url}/lots.csv`, reader)).text()).toContain(lot.code);
    } finally {
      await closed.close();
    }
  });
});
