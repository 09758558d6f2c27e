/**
 * The pages' escaping template helper, and page renderers fed hostile text: user-supplied text can
 * only ever come out as text. (Prettier formats `html` tagged templates as HTML; the cases whose
 * exact output matters are marked prettier-ignore.)
 */
import { describe, expect, it } from 'vitest';
import { devicePage } from '../../src/pages/device.ts';
import { escapeHtml, html, joinHtml, SafeHtml, trustedHtml } from '../../src/pages/html.ts';
import { layout } from '../../src/pages/layout.ts';
import { actionsSection } from '../../src/pages/actions.ts';
import { banner } from '../../src/pages/forms.ts';
import { malformedPage, typoPage } from '../../src/pages/not-found.ts';
import { signInChoicePage } from '../../src/pages/sign-in.ts';
import { stationPage } from '../../src/pages/station.ts';
import type { Lot } from '../../src/domain/types.ts';

const XSS = `<script>alert(1)</script>`;

describe('html template helper', () => {
  it('escapes the five HTML-significant characters in interpolated text', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
    expect(html`<p>${XSS}</p>`.toString()).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
  });

  it('keeps quoted attribute values closed', () => {
    const hostile = `x" onmouseover="alert(1)`;
    expect(html`<a title="${hostile}">t</a>`.toString()).toBe(
      '<a title="x&quot; onmouseover=&quot;alert(1)">t</a>',
    );
    // prettier-ignore
    expect(html`<a title='${`' onclick='alert(1)`}'>t</a>`.toString()).toBe("<a title='&#39; onclick=&#39;alert(1)'>t</a>");
  });

  it('does not escape nested fragments twice, and escapes text inside them once', () => {
    const inner = html`<b>${'a & b'}</b>`;
    expect(inner).toBeInstanceOf(SafeHtml);
    expect(html`<p>${inner}</p>`.toString()).toBe('<p><b>a &amp; b</b></p>');
    expect(html`${html`${html`${'<'}`}`}`.toString()).toBe('&lt;');
  });

  it('renders lists item by item, numbers as text, and null, undefined and false as nothing', () => {
    // prettier-ignore
    expect(html`<ul>${['<1>', html`<li>2</li>`, 3]}</ul>`.toString()).toBe('<ul>&lt;1&gt;<li>2</li>3</ul>');
    expect(html`[${null}${undefined}${false}${0}]`.toString()).toBe('[0]');
    expect(html`${[['a', ['<b>']], []]}`.toString()).toBe('a&lt;b&gt;');
  });

  it('treats only SafeHtml as markup: strings that look like markup, and objects, are text', () => {
    const lookalike = { toString: () => '<i>x</i>' } as unknown as string;
    expect(html`${lookalike}`.toString()).toBe('&lt;i&gt;x&lt;/i&gt;');
    expect(html`${trustedHtml('<hr>')}`.toString()).toBe('<hr>');
  });

  it('joins fragments with a separator, skipping empty ones', () => {
    expect(joinHtml(['a<', null, html`<b>b</b>`, ''], ' & ').toString()).toBe('a&lt; &amp; <b>b</b>');
    // prettier-ignore
    expect(joinHtml([html`<i>1</i>`, html`<i>2</i>`], html`<br>`).toString()).toBe('<i>1</i><br><i>2</i>');
  });
});

const lot: Lot & { serial: number } = {
  id: 1,
  code: 'ABCDEFGHJK',
  partId: 1,
  partCode: 'PARTCODE01',
  locationId: null,
  locationCode: null,
  quantity: 1,
  reserved: 0,
  status: 'available',
  source: 'build',
  supplier: null,
  supplierOrder: null,
  dateCode: null,
  expiresOn: null,
  fields: { [XSS]: XSS },
  parentLotId: null,
  parentLotCode: null,
  buildId: 1,
  buildCode: 'BUILDCODE1',
  serial: 7,
  serialLabel: `SN-<img src=x onerror=alert(1)>`,
  createdAt: new Date('2026-01-02T03:04:05Z'),
  updatedAt: new Date('2026-01-02T03:04:05Z'),
};

describe('page renderers', () => {
  it('show hostile part names, serial labels, notes, measurements and file names as text', () => {
    const page = devicePage({
      lot,
      trace: {
        lot: { ...lot, partName: XSS },
        build: { code: 'BUILDCODE1', projectName: XSS, startedAt: null, completedAt: null },
        components: [
          {
            quantity: 3,
            node: {
              lot: { ...lot, code: 'COMPONENT1', partName: XSS, serial: null, supplier: XSS },
              build: null,
              components: [],
              contains: [],
            },
          },
        ],
        contains: [],
      },
      history: {
        items: [
          {
            id: 5,
            kind: 'note',
            summary: XSS,
            actor: `token:${XSS}`,
            occurredAt: new Date(),
            data: { text: XSS },
            corrects: null,
            correctedBy: [],
            attachments: [],
          },
          {
            id: 6,
            kind: 'test_result',
            summary: `Test ${XSS} passed`,
            actor: 'token:station',
            occurredAt: new Date(),
            data: { test: XSS, passed: true, measurements: { [XSS]: XSS }, notes: XSS },
            corrects: null,
            correctedBy: [],
            attachments: [],
          },
        ],
        nextCursor: `"><script>alert(1)</script>`,
      },
      attachments: {
        items: [
          {
            id: 9,
            sha256: '0'.repeat(64),
            filename: `${XSS}.txt`,
            mediaType: 'text/plain',
            bytes: 12,
            target: { lot: lot.code, build: null, event: null },
            note: XSS,
            uploadedBy: XSS,
            createdAt: new Date(),
          },
        ],
        nextCursor: null,
      },
      heldBy: null,
    });
    const doc = layout(page);
    expect(doc).not.toMatch(/<script/i);
    expect(doc).not.toMatch(/<img/i);
    expect(doc).not.toMatch(/<[^>]*\son\w+=/i);
    expect(doc).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(doc).toContain('?cursor=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E');
    expect(doc).not.toMatch(/style=/i);
  });

  it('show what was typed on the typo and malformed pages as text', () => {
    for (const { page } of [typoPage(XSS, []), malformedPage(XSS, 'an ID code has 10 characters', [])]) {
      const doc = layout(page);
      expect(doc).not.toMatch(/<script/i);
      expect(doc).toContain('&lt;script&gt;');
    }
  });

  it('show hostile text in the floor forms, banners, station and account as text (#17)', () => {
    const hostile = { test: XSS, station: XSS, measurements: XSS, customer: XSS, order: XSS };
    const station = stationPage({
      flow: 'ship',
      state: {
        flow: 'ship',
        settings: hostile,
        pending: { code: 'ABCDEFGHJK', label: XSS },
        ok: 1,
        failed: 1,
        recent: [{ ok: false, text: XSS, code: null, at: '2026-12-07T10:00:00.000Z' }],
      },
      csrf: '"><script>alert(1)</script>',
      printers: [XSS],
      shipment: { id: 1, number: 'SH-000001', customer: XSS, order: XSS, count: 2 },
      settingsProblem: { field: 'customer', message: XSS, values: hostile },
    });
    const actions = actionsSection(
      {
        target: 'device',
        code: 'ABCDEFGHJK',
        allowed: ['ship', 'scrap'],
        status: 'available',
        printers: [XSS],
      },
      'operator',
      XSS,
      { action: 'ship', state: { values: { customer: XSS, order: XSS }, field: 'customer', message: XSS } },
    );
    const pages = [
      station,
      { title: XSS, body: html`${banner('ok', XSS)}${banner('error', XSS)}${actions}` },
      signInChoicePage({
        csrf: XSS,
        next: XSS,
        state: { values: {}, field: 'token', message: XSS },
        signedInAs: XSS,
      }),
      { title: 'x', body: 'x', account: { name: XSS, role: 'operator', csrf: XSS } },
    ];
    for (const page of pages) {
      const doc = layout(page);
      expect(doc).not.toMatch(/<script>/i);
      expect(doc).not.toMatch(/<img/i);
      expect(doc).not.toMatch(/<[^>]*\son\w+=/i);
      expect(doc).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    }
  });
});
