/**
 * The floor on the scan pages (#17), in headless Chromium at phone size, as people would use them:
 * a technician asks Slack for a sign-in link (`/buildtrace login`, answered by the real Slack
 * listener and worker through the fake Slack API), opens it, scans (opens) a device and records a
 * test result, a note, a shipment; a lot is moved and split. Checked in the database, the device's
 * history and the emitted events; the same with JavaScript off; axe-core finds no serious or
 * critical violation on any page or form. Security: CSRF and cross-site posts refused, a viewer
 * cannot act, used and expired links refused, a revoked session is out at its next request, no
 * action without a session, and the public view of a shipped device names no customer, order,
 * supplier or lot.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { settledBuild, startBackground, type Background } from '../helpers/background.ts';
import type { TestContext } from '../helpers/context.ts';
import type { FakeSlack, SlackSender } from '../helpers/fake-slack.ts';
import { launchChromium, phoneContext, seriousAxeViolations } from '../helpers/browser.ts';
import { startSlackApp } from '../helpers/slack-app.ts';

const SECRET = 'floor-test-signing-secret';
const OPERATOR = 'U0FLOOROPS';
const VIEWER = 'U0FLOORVIEW';
const CHANNEL = 'C0FLOOR01';
const XSS = '<img src=x onerror=alert(7)>';

let fake: FakeSlack;
let ctx: TestContext;
let slack: SlackSender;
let bg: Background;
let browser: Browser;
const contexts: BrowserContext[] = [];
const incidents: string[] = [];
const data = {} as { build: string; units: string[]; reel: string; location: string; supplierOrder: string };

/** Asks Slack for a sign-in link as `user`; the path of the link it answers with. */
async function linkFor(user: string): Promise<string> {
  const sent = await slack.command('/buildtrace', 'login', { user, channel: CHANNEL });
  expect(sent.status).toBe(200);
  const body = await fake.waitFor(
    () => fake.responses.find((r) => sent.responseUrl.endsWith(`/respond/${r.id}`))?.body,
    'the sign-in answer',
  );
  expect(body.response_type).toBe('ephemeral');
  const url = /https?:\/\/[^\s|>]+\/signin\/[A-Za-z0-9_-]+/.exec(String(body.text))?.[0];
  expect(url, String(body.text)).toBeTruthy();
  return new URL(url!).pathname;
}

/** A phone with or without JavaScript. */
async function phone(options: { javaScript?: boolean } = {}): Promise<BrowserContext> {
  const context = await phoneContext(browser, options);
  contexts.push(context);
  return context;
}

async function open(context: BrowserContext, path: string): Promise<{ page: Page; status: number }> {
  const page = await context.newPage();
  page.on('dialog', (d) => (incidents.push(`dialog: ${d.message()}`), void d.dismiss()));
  page.on('pageerror', (e) => incidents.push(`page error: ${e.message}`));
  const response = await page.goto(`${ctx.url}${path}`);
  return { page, status: response?.status() ?? 0 };
}

/** Signs `user` in on `context` through a Slack link, as a person would: open, press Sign in. */
async function signIn(context: BrowserContext, user: string, next = '/'): Promise<Page> {
  const { page, status } = await open(context, `${await linkFor(user)}?next=${encodeURIComponent(next)}`);
  expect(status).toBe(200);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${ctx.url}${next}`);
  return page;
}

const text = async (page: Page, selector: string) =>
  ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();

const axeViolations = seriousAxeViolations;

const historyOf = async (code: string) =>
  ctx
    .db('history_events as h')
    .join('lots as l', 'l.id', 'h.lot_id')
    .where('l.code', code)
    .orderBy('h.id', 'asc')
    .select('h.kind', 'h.actor', 'h.data');

beforeAll(async () => {
  ({ fake, ctx, slack } = await startSlackApp(SECRET));
  bg = await startBackground(ctx);
  await ctx.api('PUT', `/api/v1/slack-users/${OPERATOR}`, { body: { role: 'operator' } });
  await ctx.api('PUT', `/api/v1/slack-users/${VIEWER}`, { body: { role: 'viewer' } });
  const f = factories({ uow: ctx.uow });
  const mcu = await f.part({ name: 'MCU' });
  data.supplierOrder = 'PO-SECRET-777';
  const reel = await f.lot({
    part: mcu.code,
    quantity: 500,
    supplier: 'DigiKey',
    supplierOrder: data.supplierOrder,
  });
  const location = await f.location({ name: 'Shelf B' });
  const project = await f.project({ name: 'Weather station', lines: [{ part: mcu.code, quantity: 1 }] });
  const created = await ctx.api('POST', '/api/v1/builds', {
    body: { project: project.code, quantity: 4, trackUnits: true },
  });
  expect(created.status, created.text).toBe(201);
  const build = (created.body.build as { code: string }).code;
  await settledBuild(ctx, build, (b) => (b.progress as { generated: number }).generated === 4);
  // A build without stages completes once its units are made: every unit is available.
  await settledBuild(ctx, build, (b) => (b.progress as { completed: number }).completed === 4);
  const units: string[] = [];
  for (const serial of [1, 2, 3, 4])
    units.push((await ctx.api('GET', `/api/v1/builds/${build}/units/${serial}`)).body.code as string);
  Object.assign(data, { build, units, reel: reel.code, location: location.code });

  browser = await launchChromium();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await bg?.stop();
  await ctx?.close();
  await fake?.close();
});

describe('a technician on a phone', () => {
  it('signs in through the Slack link and records a test result and a note on the device a label opens', async () => {
    const context = await phone();
    const device = data.units[0]!;
    const page = await signIn(context, OPERATOR, `/id/${device}`);
    expect(await text(page, 'header .account')).toContain(`${OPERATOR} · operator`);
    // The first screen: identity, status, and the actions.
    expect(await text(page, 'h1')).toBe('Weather station');
    await page.locator('summary', { hasText: 'Record a test result' }).click();
    await page.getByLabel('Test', { exact: true }).fill('functional');
    await page.getByLabel('Result').selectOption('false');
    await page.getByLabel('Measurements (optional)').fill('vout=3.12, fw=1.4.2');
    await page.getByLabel('Station (optional)').fill('FCT-2');
    await page.getByRole('button', { name: 'Record result' }).click();
    await page.waitForURL(`${ctx.url}/id/${device}`);
    expect(await text(page, '#banner')).toContain('Test result recorded: functional failed.');
    expect(await text(page, '#history li')).toContain('functional');

    await page.locator('summary', { hasText: 'Add a note or photo' }).click();
    await page.getByLabel('Note', { exact: true }).fill(`Solder bridge on U1 ${XSS}`);
    await page.getByLabel('Photo (optional)').setInputFiles({
      name: 'bridge.png',
      mimeType: 'image/png',
      // A 1×1 PNG.
      buffer: Buffer.from(
        'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
        'base64',
      ),
    });
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.waitForURL(`${ctx.url}/id/${device}`);
    expect(await text(page, '#banner')).toContain('Note and photo added.');
    expect(await text(page, '#history')).toContain(XSS);
    expect(incidents).toEqual([]);

    const history = await historyOf(device);
    const test = history.find((h) => h.kind === 'test_result');
    expect(test).toMatchObject({ actor: `slack:${OPERATOR}` });
    expect(test.data).toMatchObject({ test: 'functional', passed: false, station: 'FCT-2' });
    expect(test.data.measurements).toEqual({ vout: 3.12, fw: '1.4.2' });
    const note = history.find((h) => h.kind === 'note');
    expect(note).toMatchObject({ actor: `slack:${OPERATOR}`, data: { text: `Solder bridge on U1 ${XSS}` } });
    const photo = await ctx.db('attachments').where({ filename: 'bridge.png' }).first();
    expect(photo.media_type).toBe('image/png');
    const events = await ctx.db('events').where({ type: 'lot.event_recorded' }).select('data');
    expect(
      events.map(
        (e) => (e.data as { kind?: string }).kind ?? (e.data as { event?: { kind?: string } }).event?.kind,
      ),
    ).toEqual(expect.arrayContaining(['test_result', 'note']));
  });

  it('ships a device and moves and splits a lot with JavaScript off, each form answered with the updated page', async () => {
    const context = await phone({ javaScript: false });
    const device = data.units[1]!;
    const page = await signIn(context, OPERATOR, `/id/${device}`);
    await page.locator('summary', { hasText: 'Ship' }).click();
    await page.getByLabel('Customer').fill('ACME Weather GmbH');
    await page.getByLabel('Order (optional)').fill('SO-1001 <b>rush</b>');
    await page.getByRole('button', { name: 'Ship' }).click();
    await page.waitForURL(`${ctx.url}/id/${device}`);
    expect(await text(page, '#banner')).toContain('Shipped to ACME Weather GmbH.');
    expect(await text(page, '#facts')).toContain('shipped');
    const shipped = (await historyOf(device)).find((h) => h.kind === 'shipped');
    expect(shipped).toMatchObject({
      actor: `slack:${OPERATOR}`,
      data: { customer: 'ACME Weather GmbH', order: 'SO-1001 <b>rush</b>' },
    });
    expect(await text(page, '#history')).toContain('<b>rush</b>');
    expect(await page.locator('#history b').count()).toBe(0);
    const status = await ctx.db('events').where({ type: 'lot.status_changed' }).orderBy('id', 'desc').first();
    expect(JSON.stringify(status.data)).toContain('shipped');

    await page.goto(`${ctx.url}/id/${data.reel}`);
    await page.locator('summary', { hasText: 'Split' }).click();
    await page.getByLabel('Quantity to split off').fill('40');
    await page.getByRole('button', { name: 'Split' }).click();
    await page.waitForURL(`${ctx.url}/id/${data.reel}`);
    const split = /Split off as lot (\w{10})\./.exec(await text(page, '#banner'));
    expect(split).toBeTruthy();
    expect((await ctx.db('lots').where({ code: split![1] }).first()).quantity).toBe(40);

    await page.locator('summary', { hasText: 'Move' }).click();
    await page.getByLabel('To location (ID code)').first().fill(data.location.toLowerCase());
    await page.getByRole('button', { name: 'Move' }).click();
    await page.waitForURL(`${ctx.url}/id/${data.reel}`);
    expect(await text(page, '#banner')).toContain(`Moved to ${data.location}.`);
  });

  it('a refused form comes back open, with what was typed and the problem next to its field', async () => {
    const context = await phone({ javaScript: false });
    const page = await signIn(context, OPERATOR, `/id/${data.reel}`);
    await page.locator('summary', { hasText: 'Adjust the quantity' }).click();
    await page.getByLabel('Change (+ found, − lost)').fill('-100000');
    const adjust = page.locator('#do-adjust');
    await adjust.getByLabel('Reason').fill('counted <script>alert(5)</script>');
    await page.getByRole('button', { name: 'Adjust' }).click();
    expect(await page.locator('#do-adjust').getAttribute('open')).not.toBeNull();
    // What was typed comes back as the field's value, never as markup.
    expect(await page.locator('#do-adjust').getByLabel('Reason').inputValue()).toBe(
      'counted <script>alert(5)</script>',
    );
    expect(await page.locator('main script').count()).toBe(0);
    expect(await text(page, '#do-adjust .problem, #do-adjust .field-error')).toMatch(
      /negative|quantity|below/i,
    );
  });

  it('every page and form passes axe-core (no serious or critical violations)', async () => {
    const context = await phone();
    const page = await signIn(context, OPERATOR, '/');
    const found: string[] = [];
    for (const path of ['/', `/id/${data.units[2]}`, `/id/${data.reel}`, `/id/${data.build}`, '/signin']) {
      await page.goto(`${ctx.url}${path}`);
      for (const details of await page.locator('details').all())
        await details.evaluate((d) => d.setAttribute('open', ''));
      found.push(...(await axeViolations(page)).map((v) => `${path}: ${v}`));
    }
    const stranger = await (await phone()).newPage();
    for (const path of [`/id/${data.units[1]}`, `/signin`, `${await linkFor(OPERATOR)}`]) {
      await stranger.goto(`${ctx.url}${path}`);
      found.push(...(await axeViolations(stranger)).map((v) => `stranger ${path}: ${v}`));
    }
    expect(found).toEqual([]);
  });
});

describe('a build page, live', () => {
  it('follows the build as it moves on (server-sent events), without a reload; strangers get no stream', async () => {
    const project = (await ctx.db('projects').where({ name: 'Weather station' }).first()).code as string;
    const created = await ctx.api('POST', '/api/v1/builds', {
      body: { project, quantity: 2, trackUnits: true, stages: ['Assembly', 'Test'] },
    });
    expect(created.status, created.text).toBe(201);
    const build = (created.body.build as { code: string }).code;
    await settledBuild(ctx, build, (b) => (b.progress as { generated: number }).generated === 2);
    const context = await phone();
    const page = await signIn(context, OPERATOR, `/id/${build}`);
    expect(await text(page, '#stages')).not.toContain('boards in');
    const advanced = await ctx.api('POST', `/api/v1/builds/${build}/advance`, {
      body: { comment: 'boards in' },
    });
    expect(advanced.status, advanced.text).toBe(202);
    await expect.poll(() => text(page, '#stages'), { timeout: 15_000, interval: 250 }).toContain('boards in');
    expect(incidents).toEqual([]);
    const stranger = await fetch(`${ctx.url}/id/${build}/live`);
    expect(stranger.status).toBe(401);
  });
});

describe('security', () => {
  /** A signed-in operator's cookie and the CSRF value of their pages. */
  async function operatorSession(): Promise<{ cookie: string; csrf: string; context: BrowserContext }> {
    const context = await phone();
    const page = await signIn(context, OPERATOR, `/id/${data.units[2]}`);
    const csrf = (await page.locator('input[name=_csrf]').first().inputValue()) ?? '';
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    return { cookie, csrf, context };
  }
  const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${ctx.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
  const notes = async (code: string) => (await historyOf(code)).filter((h) => h.kind === 'note').length;

  it('refuses a form without the session’s CSRF value, or from another site', async () => {
    const { cookie, csrf } = await operatorSession();
    const device = data.units[2]!;
    const before = await notes(device);
    const forged = await post(
      `/id/${device}/do/quarantine`,
      { _csrf: 'x'.repeat(43), reason: 'forged' },
      { cookie },
    );
    expect(forged.status).toBe(403);
    const missing = await post(`/id/${device}/do/quarantine`, { reason: 'forged' }, { cookie });
    expect(missing.status).toBe(403);
    const crossSite = await post(
      `/id/${device}/do/quarantine`,
      { _csrf: csrf, reason: 'forged' },
      {
        cookie,
        origin: 'https://evil.example',
      },
    );
    expect(crossSite.status).toBe(403);
    expect((await ctx.db('lots').where({ code: device }).first()).status).toBe('available');
    expect(await notes(device)).toBe(before);
  });

  it('a viewer sees no actions and cannot post one', async () => {
    const context = await phone();
    const page = await signIn(context, VIEWER, `/id/${data.units[2]}`);
    expect(await page.locator('section.actions').count()).toBe(0);
    const csrf = await page.locator('header input[name=_csrf]').inputValue();
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const res = await post(
      `/id/${data.units[2]}/do/quarantine`,
      { _csrf: csrf, reason: 'viewer' },
      { cookie },
    );
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('needs the operator role');
    expect((await ctx.db('lots').where({ code: data.units[2] }).first()).status).toBe('available');
  });

  it('a used or expired sign-in link is refused', async () => {
    const path = await linkFor(OPERATOR);
    const first = await (await phone()).newPage();
    await first.goto(`${ctx.url}${path}`);
    await first.getByRole('button', { name: 'Sign in' }).click();
    await first.waitForURL(`${ctx.url}/`);
    const again = await (await phone()).newPage();
    await again.goto(`${ctx.url}${path}`);
    await again.getByRole('button', { name: 'Sign in' }).click();
    expect(await text(again, '#problem')).toContain('used already');

    const late = await linkFor(OPERATOR);
    await ctx
      .db('sign_in_links')
      .update({ expires_at: ctx.db.raw("now() - interval '1 second'") })
      .whereNull('used_at');
    const expired = await (await phone()).newPage();
    await expired.goto(`${ctx.url}${late}`);
    await expired.getByRole('button', { name: 'Sign in' }).click();
    expect(await text(expired, '#problem')).toContain('expired');
    expect(await text(expired, 'header')).toContain('Sign in');
  });

  it('a revoked session is out at its next request; logout in Slack and a role change end sessions too', async () => {
    const { cookie, csrf, context } = await operatorSession();
    const sessions = await ctx.api('GET', '/api/v1/sessions?live=true', { role: 'admin' });
    expect(sessions.status).toBe(200);
    const mine = (sessions.body.items as { id: number; actor: string }[]).filter(
      (s) => s.actor === `slack:${OPERATOR}`,
    );
    expect(mine.length).toBeGreaterThan(0);
    for (const s of mine)
      expect((await ctx.api('DELETE', `/api/v1/sessions/${s.id}`, { role: 'admin' })).status).toBe(200);
    const res = await post(
      `/id/${data.units[2]}/do/quarantine`,
      { _csrf: csrf, reason: 'after revoke' },
      { cookie },
    );
    expect(res.status).toBe(401);
    const page = await context.newPage();
    await page.goto(`${ctx.url}/id/${data.units[2]}`);
    expect(await page.locator('section.actions').count()).toBe(0);
    expect(await text(page, 'header')).toContain('Sign in');

    const other = await operatorSession();
    const sent = await slack.command('/buildtrace', 'logout', { user: OPERATOR, channel: CHANNEL });
    const answer = await fake.waitFor(
      () => fake.responses.find((r) => sent.responseUrl.endsWith(`/respond/${r.id}`))?.body,
      'the logout answer',
    );
    expect(String(answer.text)).toMatch(/Signed out of the scan pages: \d+ sessions? ended/);
    expect(
      (
        await post(
          `/id/${data.units[2]}/do/quarantine`,
          { _csrf: other.csrf, reason: 'x' },
          { cookie: other.cookie },
        )
      ).status,
    ).toBe(401);

    const third = await operatorSession();
    await ctx.api('PUT', `/api/v1/slack-users/${OPERATOR}`, { body: { role: 'viewer' } });
    expect(
      (
        await post(
          `/id/${data.units[2]}/do/quarantine`,
          { _csrf: third.csrf, reason: 'x' },
          { cookie: third.cookie },
        )
      ).status,
    ).toBe(401);
    await ctx.api('PUT', `/api/v1/slack-users/${OPERATOR}`, { body: { role: 'operator' } });
    expect((await ctx.db('lots').where({ code: data.units[2] }).first()).status).toBe('available');
  });

  it('without a session nothing can be posted, and a stranger sees only the public view of a shipped device', async () => {
    const res = await post(`/id/${data.units[2]}/do/quarantine`, { reason: 'stranger' });
    expect(res.status).toBe(401);
    expect((await ctx.db('lots').where({ code: data.units[2] }).first()).status).toBe('available');

    const shipped = data.units[1]!;
    expect((await ctx.db('lots').where({ code: shipped }).first()).status).toBe('shipped');
    const page = await (await phone()).newPage();
    await page.goto(`${ctx.url}/id/${shipped}`);
    const html = await page.content();
    expect(await text(page, 'h1')).toBe('Weather station');
    expect(html).toContain('shipped');
    for (const secret of ['ACME', 'SO-1001', 'DigiKey', data.supplierOrder, data.reel, 'Built from'])
      expect(html, secret).not.toContain(secret);
    expect(await page.locator('#history, #attachments, #components').count()).toBe(0);
    expect(await page.locator('section.actions, form.action').count()).toBe(0);
    // Other objects show only what they are.
    const build = await fetch(`${ctx.url}/id/${data.build}`);
    expect(await build.text()).toContain('shown to signed-in people only');
  });
});
