/**
 * The scan pages in real headless Chromium (Debian's chromium driven by playwright-core), on data
 * made through the API and real workers: a device page with its serial, history, files and
 * component lots (links followed), a part named `<script>alert(1)</script>` shown as text with
 * nothing run, a mistyped code, an unknown code, a build's units page by page, the phone viewport,
 * the strict Content-Security-Policy, canonical redirects, and PAGES_PUBLIC=false.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeIdCode } from '../../src/domain/id-code.ts';
import { currentRequestId } from '../../src/request-context.ts';
import { factories } from '../factories.ts';
import { launchChromium } from '../helpers/browser.ts';
import { settledBuild, startBackground, type Background } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';

const XSS = '<script>alert(1)</script>';
const NOTE = 'Checked by hand <img src=x onerror=alert(2)> & found fine';
const UNITS = 105;
/** SQL statements a device page may run for a reader with an API token (measured: see the test). */
const DEVICE_PAGE_STATEMENTS = 17;

let ctx: TestContext;
let bg: Background;
let browser: Browser;
let phone: BrowserContext;

const data = {} as {
  build: string;
  project: string;
  xssPart: string;
  mcuPart: string;
  xssLot: string;
  mcuLot: string;
  location: string;
  unit: string;
  unit3: string;
};

/** Everything that would show a script ran or the CSP refused something. */
const incidents: string[] = [];

async function open(path: string): Promise<{ page: Page; status: number }> {
  const page = await phone.newPage();
  page.on('dialog', (dialog) => {
    incidents.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => incidents.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) incidents.push(message.text());
  });
  const response = await page.goto(`${ctx.url}${path}`);
  return { page, status: response?.status() ?? 0 };
}

const fitsPhone = (page: Page) =>
  page.evaluate('document.scrollingElement.scrollWidth <= window.innerWidth') as Promise<boolean>;
/** The text of the first element matching, with white space collapsed. */
const text = async (page: Page, selector: string) =>
  ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();

/** A code with two different neighbouring characters swapped. */
function swapNeighbours(code: string): string {
  for (let i = 0; i + 1 < code.length; i++)
    if (code[i] !== code[i + 1]) return code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2);
  throw new Error(`no two different neighbours in ${code}`);
}

beforeAll(async () => {
  ctx = await createTestContext();
  bg = await startBackground(ctx);
  const f = factories({ uow: ctx.uow });
  const location = await f.location({ name: 'Shelf <b>A</b>' });
  const xssPart = await f.part({ name: XSS, mpn: `"><svg onload=alert(3)>` });
  const mcuPart = await f.part({ name: 'MCU' });
  const xssLot = await f.lot({
    part: xssPart.code,
    quantity: 1000,
    supplier: 'Mouser & "Sons"',
    dateCode: '2601',
    location: location.code,
  });
  const mcuLot = await f.lot({ part: mcuPart.code, quantity: 500, supplier: 'DigiKey' });
  const project = await f.project({
    name: 'Sensor board',
    lines: [
      { part: xssPart.code, quantity: 2, designators: ['R1', 'R2'] },
      { part: mcuPart.code, quantity: 1, designators: ['U1'] },
    ],
  });
  const created = await ctx.api('POST', '/api/v1/builds', {
    body: { project: project.code, quantity: UNITS, trackUnits: true, stages: ['Assembly', 'Test'] },
  });
  expect(created.status, created.text).toBe(201);
  const build = (created.body.build as { code: string }).code;
  await settledBuild(ctx, build, (b) => (b.progress as { generated: number }).generated === UNITS);
  const advanced = await ctx.api('POST', `/api/v1/builds/${build}/advance`, { body: { comment: XSS } });
  expect(advanced.status, advanced.text).toBe(202);
  await settledBuild(
    ctx,
    build,
    (b) => (b.stages as { completedAt: string | null }[])[0]!.completedAt !== null,
  );

  const unit = (await ctx.api('GET', `/api/v1/builds/${build}/units/2`)).body.code as string;
  const unit3 = (await ctx.api('GET', `/api/v1/builds/${build}/units/3`)).body.code as string;
  const note = await ctx.api('POST', `/api/v1/lots/${unit}/notes`, { body: { text: NOTE } });
  expect(note.status, note.text).toBe(201);
  const test = await ctx.api('POST', `/api/v1/builds/${build}/units/2/test-results`, {
    body: { test: 'ICT', passed: true, station: 'ICT-1', measurements: { vcc_mV: 3301 } },
  });
  expect(test.status, test.text).toBe(201);
  const form = new FormData();
  form.append('file', new Blob(['test log: all good\n'], { type: 'text/plain' }), 'ict-log.txt');
  const attached = await fetch(`${ctx.url}/api/v1/lots/${unit}/attachments`, {
    method: 'POST',
    body: form,
    headers: { authorization: `Bearer ${ctx.tokens.operator}` },
  });
  expect(attached.status, await attached.clone().text()).toBe(201);

  Object.assign(data, {
    build,
    project: project.code,
    xssPart: xssPart.code,
    mcuPart: mcuPart.code,
    xssLot: xssLot.code,
    mcuLot: mcuLot.code,
    location: location.code,
    unit,
    unit3,
  });

  browser = await launchChromium();
  phone = await browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    deviceScaleFactor: 2,
    // Full pages need a reader who is not a stranger (a stranger gets the public view: pages-floor.test.ts).
    extraHTTPHeaders: { authorization: `Bearer ${ctx.tokens.viewer}` },
  });
});

afterAll(async () => {
  await browser?.close();
  await bg?.stop();
  await ctx?.close();
});

describe('device page', () => {
  it('shows the serial, status, history, files and component lots; its links lead to their pages', async () => {
    const { page, status } = await open(`/id/${data.unit}`);
    expect(status).toBe(200);
    expect(await text(page, '.kicker')).toBe('Device');
    expect(await text(page, 'h1')).toBe('Sensor board');
    const facts = await text(page, '#facts');
    expect(facts).toContain('Serial #2');
    expect(facts).toContain('Status in production');
    expect(facts).toContain(data.build);

    const history = (await page.locator('#history li').allTextContents()).map((t) => t.replace(/\s+/g, ' '));
    expect(history).toHaveLength(2);
    expect(history[0]).toContain('Test ICT passed at ICT-1');
    expect(history[0]).toContain('vcc_mV');
    expect(history[1]).toContain(NOTE);
    expect(await text(page, '#attachments')).toContain('ict-log.txt');
    const file = page.locator('#attachments a', { hasText: 'ict-log.txt' });
    expect(await file.getAttribute('href')).toMatch(/^\/api\/v1\/attachments\/\d+\/content$/);

    const components = page.locator('#component-lots > li');
    expect(await components.count()).toBe(2);
    expect(await text(page, '#component-lots')).toContain('Mouser & "Sons"');
    // Per device, from the BOM: how many and where; the build's use is the whole build's.
    expect(await text(page, '#component-lots')).toContain('2 per device · R1, R2');
    expect(await text(page, '#component-lots')).toContain('1 per device · U1');
    expect(await text(page, '#facts')).toContain('Stage Test (2 of 2)');
    expect(await text(page, '#facts')).toContain('Last test ICT passed at ICT-1');
    await page.locator(`#component-lots a[href="/id/${data.xssLot}"]`).first().click();
    await page.waitForURL(`${ctx.url}/id/${data.xssLot}`);
    expect(await text(page, '.kicker')).toBe('Lot');
    expect(await text(page, 'h1')).toBe(XSS);
    expect(await text(page, '#used-in')).toContain('Sensor board');

    await page.goto(`${ctx.url}/id/${data.unit}`);
    await page.locator(`#facts a[href="/id/${data.build}"]`).click();
    await page.waitForURL(`${ctx.url}/id/${data.build}`);
    expect(await text(page, '.kicker')).toBe('Build');
    await page.close();
  });

  it('opens by build code and serial, and says so when the build has no such unit', async () => {
    const { page, status } = await open(`/id/${data.build}/3`);
    expect(status).toBe(200);
    expect(await text(page, '#facts')).toContain(data.unit3);
    expect(await page.locator('link[rel=canonical]').getAttribute('href')).toBe(`/id/${data.unit3}`);

    const missing = await open(`/id/${data.build}/999`);
    expect(missing.status).toBe(404);
    expect(await text(missing.page, '#problem')).toContain(`has no unit with serial 999`);
    expect(await text(missing.page, '#problem')).toContain(`serials run from 1 to ${UNITS}`);

    const notBuild = await open(`/id/${data.xssLot}/1`);
    expect(notBuild.status).toBe(404);
    expect(await text(notBuild.page, 'h1')).toBe('This is a lot, not a build');
    await Promise.all([page.close(), missing.page.close(), notBuild.page.close()]);
  });

  it('reads what it shows in a bounded number of SQL statements (the lot found once)', async () => {
    // What the page costs is mostly its round trips to PostgreSQL: each costs both processes CPU.
    // 23 statements before the page had one read command (getLotPage), 17 after (this device has
    // files on its history events: one more); a budget keeps it there.
    const statements: string[] = [];
    // The background workers share the pool: only the statements run for this request count.
    const requestId = `statements-${Date.now()}`;
    const listener = (q: { sql: string }) => {
      if (currentRequestId() === requestId) statements.push(q.sql);
    };
    const get = (headers: Record<string, string> = {}) =>
      fetch(`${ctx.url}/id/${data.unit}`, {
        headers: { authorization: `Bearer ${ctx.tokens.viewer}`, ...headers },
      });
    await (await get()).text(); // the token's first use is recorded once; not part of the page
    ctx.db.on('query', listener);
    try {
      const res = await get({ 'x-request-id': requestId });
      expect(res.status).toBe(200);
      await res.text();
    } finally {
      ctx.db.off('query', listener);
    }
    expect(statements.length, statements.join('\n')).toBeLessThanOrEqual(DEVICE_PAGE_STATEMENTS);
    // The device's own lot row is read once (the trace's summary of it aside).
    expect(statements.filter((s) => s.startsWith('SELECT l.*')).length, statements.join('\n')).toBe(1);
  });
});

describe('user-supplied text', () => {
  it('a part named <script>alert(1)</script> is shown as text and runs nothing, on every page', async () => {
    for (const path of [
      `/id/${data.xssPart}`,
      `/id/${data.xssLot}`,
      `/id/${data.unit}`,
      `/id/${data.build}`,
      `/id/${data.project}`,
    ]) {
      const { page, status } = await open(path);
      expect(status, path).toBe(200);
      // The only scripts are our own files (a build in progress follows itself live): none inline.
      const scripts = await page
        .locator('script')
        .evaluateAll((all) =>
          all.map((s) => ({ src: s.getAttribute('src'), inline: (s.textContent ?? '').trim() })),
        );
      for (const s of scripts) {
        expect(s.src, path).toMatch(/^\/assets\/(live|station)\.js\?v=[0-9a-f]{12}$/);
        expect(s.inline, path).toBe('');
      }
      expect(await page.locator('svg, img').count(), path).toBe(0);
      expect(await page.locator('body').textContent(), path).toContain(XSS);
      await page.close();
    }
    const part = await open(`/id/${data.xssPart}`);
    expect(await text(part.page, 'h1')).toBe(XSS);
    expect(await text(part.page, '#facts')).toContain(`"><svg onload=alert(3)>`);
    await part.page.close();
    const location = await open(`/id/${data.location}`);
    expect(await text(location.page, 'h1')).toBe('Shelf <b>A</b>');
    expect(await location.page.locator('h1 b').count()).toBe(0);
    await location.page.close();
    expect(incidents).toEqual([]);
  });
});

describe('codes that name nothing', () => {
  it('a mistyped code (two neighbours swapped) says it is a typo and offers the code meant', async () => {
    const typo = swapNeighbours(data.unit);
    const { page, status } = await open(`/id/${typo}`);
    expect(status).toBe(400);
    expect(await text(page, 'h1')).toBe('This code has a typo');
    expect(await text(page, '#problem')).toContain(typo);
    const meant = page.locator(`#suggestions a[href="/id/${data.unit}"]`);
    expect(await meant.count()).toBe(1);
    await meant.click();
    await page.waitForURL(`${ctx.url}/id/${data.unit}`);
    expect(await text(page, '.kicker')).toBe('Device');
    await page.close();
  });

  it('an unknown valid code says no object has it; a malformed one explains what an ID code is', async () => {
    let unknown = '';
    for (;;) {
      unknown = encodeIdCode(Math.floor(Math.random() * 2 ** 44));
      if ((await ctx.api('GET', `/api/v1/codes/${unknown}`)).status === 404) break;
    }
    const { page, status } = await open(`/id/${unknown}`);
    expect(status).toBe(404);
    expect(await text(page, 'h1')).toBe('No object has this code');
    expect(await text(page, '#problem')).toContain(unknown);

    const malformed = await open(`/id/${encodeURIComponent(XSS)}`);
    expect(malformed.status).toBe(400);
    expect(await text(malformed.page, 'h1')).toBe('This is not an ID code');
    expect(await text(malformed.page, '#problem')).toContain(XSS);
    expect(await malformed.page.locator('script').count()).toBe(0);

    const short = await open(`/id/${data.unit.slice(0, 9)}`);
    expect(short.status).toBe(400);
    expect(await text(short.page, '#problem')).toContain('an ID code has 10 characters, this has 9');
    await Promise.all([page.close(), malformed.page.close(), short.page.close()]);
    expect(incidents).toEqual([]);
  });

  it('the look-up form opens a code typed in any case, and a unit by build and serial', async () => {
    const { page } = await open('/id');
    await page.locator('#lookup-main').fill(data.unit.toLowerCase());
    await page.locator('main form button').click();
    await page.waitForURL(`${ctx.url}/id/${data.unit}`);
    await page.locator('#lookup-header').fill(`${data.build.toLowerCase()}/3`);
    await page.locator('header form button').click();
    await page.waitForURL(`${ctx.url}/id/${data.build}/3`);
    expect(await text(page, '#facts')).toContain(data.unit3);
    await page.close();
  });
});

describe('build page', () => {
  it('shows progress, stages and the first 100 units, with a link to the next ones', async () => {
    const { page, status } = await open(`/id/${data.build}`);
    expect(status).toBe(200);
    expect(await text(page, 'h1')).toBe('Sensor board');
    expect(await page.locator('#progress progress').count()).toBeGreaterThan(0);
    const stages = (await page.locator('#stages li').allTextContents()).map((t) => t.replace(/\s+/g, ' '));
    expect(stages).toHaveLength(2);
    expect(stages[0]).toContain('Assembly');
    expect(stages[0]).toContain(XSS);
    expect(stages[1]).toContain('not done yet');
    expect(await page.locator('#units li').count()).toBe(100);
    expect(await text(page, '#component-lots')).toContain(data.xssLot);

    await page.locator('#units a[rel=next]').click();
    await page.waitForURL(/\?cursor=/);
    const rest = (await page.locator('#units li').allTextContents()).map((t) => t.replace(/\s+/g, ' '));
    expect(rest).toHaveLength(UNITS - 100);
    expect(rest[0]).toContain('#101');
    expect(await page.locator('#units a[rel=next]').count()).toBe(0);
    await page.locator('#units li a', { hasText: '#105' }).click();
    await page.waitForURL(/\/id\/[0-9A-Z]{10}$/);
    expect(await text(page, '#facts')).toContain('#105');
    await page.close();
  });
});

describe('on a phone', () => {
  it('every page fits a 390 px wide screen without horizontal scrolling', async () => {
    for (const path of [
      `/id/${data.unit}`,
      `/id/${data.build}`,
      `/id/${data.xssLot}`,
      `/id/${data.xssPart}`,
      `/id/${data.location}`,
      `/id/${data.project}`,
      `/id/${swapNeighbours(data.unit)}`,
      '/id',
    ]) {
      const { page } = await open(path);
      expect(await fitsPhone(page), path).toBe(true);
      // The stylesheet applied (the CSP let it in): the facts list is a grid.
      if (path === `/id/${data.unit}`)
        expect(await page.evaluate(`getComputedStyle(document.querySelector('#facts')).display`)).toBe(
          'grid',
        );
      await page.close();
    }
    expect(incidents).toEqual([]);
  });
});

describe('HTTP', () => {
  it('redirects lower case and O/I/L confusions to the canonical URL, keeping the query', async () => {
    const sloppy = data.unit.toLowerCase().replace(/0/g, 'o').replace(/1/g, 'l');
    const res = await fetch(`${ctx.url}/id/${sloppy}?cursor=abc`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe(`/id/${data.unit}?cursor=abc`);
    const serial = await fetch(`${ctx.url}/id/${data.build.toLowerCase()}/007`, { redirect: 'manual' });
    expect(serial.status).toBe(301);
    expect(serial.headers.get('location')).toBe(`/id/${data.build}/7`);
    const form = await fetch(`${ctx.url}/id?code=${data.build.toLowerCase()}`, { redirect: 'manual' });
    expect(form.status).toBe(302);
    expect(form.headers.get('location')).toBe(`/id/${data.build}`);
  });

  it('sends a strict Content-Security-Policy and a cacheable stylesheet', async () => {
    const res = await fetch(`${ctx.url}/id/${data.unit}`);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await res.text();
    expect(html).not.toMatch(/<script|style=/i);
    const href = /<link rel="stylesheet" href="([^"]+)"/.exec(html)![1]!;
    const css = await fetch(`${ctx.url}${href}`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(css.headers.get('cache-control')).toContain('immutable');
    expect(css.headers.get('etag')).toBeTruthy();
  });

  it('a broken cursor, serial or path gets a page, not an error', async () => {
    for (const path of [
      `/id/${data.build}?cursor=nonsense`,
      `/id/${data.build}/x1`,
      `/id/${data.build}/1/2`,
    ]) {
      const res = await fetch(`${ctx.url}${path}`, {
        headers: { authorization: `Bearer ${ctx.tokens.viewer}` },
      });
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(await res.text(), path).toContain('This link is broken');
    }
  });
});

describe('PAGES_PUBLIC=false', () => {
  it('asks for an API token (Basic auth password or Bearer) and serves the page with one', async () => {
    const closed = await createTestContext({ env: { PAGES_PUBLIC: 'false' } });
    try {
      const part = await factories({ uow: closed.uow }).part({ name: 'Relay' });
      const path = `${closed.url}/id/${part.code}`;
      const anonymous = await fetch(path);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm="buildtrace pages"/);
      expect(await anonymous.text()).toContain('/buildtrace login');
      const wrong = await fetch(path, { headers: { authorization: `Basic ${btoa('me:bt_wrong')}` } });
      expect(wrong.status).toBe(401);
      const basic = await fetch(path, {
        headers: { authorization: `Basic ${btoa(`me:${closed.tokens.viewer}`)}` },
      });
      expect(basic.status).toBe(200);
      expect(basic.headers.get('cache-control')).toBe('private, no-store');
      expect(await basic.text()).toContain('Relay');
      const bearer = await fetch(path, { headers: { authorization: `Bearer ${closed.tokens.operator}` } });
      expect(bearer.status).toBe(200);
      // The stylesheet is not secret: the sign-in page needs it.
      expect((await fetch(`${closed.url}/assets/pages.css`)).status).toBe(200);
    } finally {
      await closed.close();
    }
  });
});
