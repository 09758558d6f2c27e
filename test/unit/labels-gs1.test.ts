/**
 * GS1 DataMatrix device labels rendered on every template: each code, rasterized as a printer of
 * the template's resolution would print it, decodes with ZXing to the element string with FNC1 (a
 * leading GS for the FNC1 in first position, a GS after a variable-length field that is not last);
 * the human-readable interpretation is printed whole, one AI a line, even for 20-character serials
 * and lots; a code too dense for its box is refused naming `items.<i>.gs1`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.ts';
import { GS, gs1ElementString, gs1Fnc1String } from '../../src/domain/gs1.ts';
import { labelUrl, type LabelContent } from '../../src/domain/labels.ts';
import { LABEL_TEMPLATES, type LabelTemplate, type TemplateName } from '../../src/domain/label-templates.ts';
import { renderLabels } from '../../src/labels/render.ts';
import { crop, decodeDataMatrix, pad, poppler, rasterize } from '../helpers/decode.ts';

const GTIN = '09501101530003';
const BUILD = '7K3M9Q2R4T';

function device(serial: string, lot = BUILD): LabelContent {
  const code = `0${serial.length.toString().padStart(2, '0')}ABCDEFG`.slice(0, 10);
  return {
    code,
    url: labelUrl('https://buildtrace.example.com', code),
    title: 'Infusion Pump Controller',
    serialLabel: serial,
    buildCode: lot,
    date: '2026-12-07',
    gs1: gs1ElementString({ gtin: GTIN, productionDate: '2026-12-07', serial, lot }),
  };
}

// A short serial, a formatted one, and the longest serial and lot GS1 allows (20 characters each).
const devices = [device('42'), device('S-00042'), device('SN-ABCDEFGHIJKLMNOPQ', 'LOT-0123456789ABCDEF')];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bt-gs1-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const px = (mm: number, dpi: number) => (mm * dpi) / 25.4;

describe('GS1 DataMatrix labels', () => {
  const cases: { name: TemplateName; dpi: number }[] = [
    { name: 'brother-62x29', dpi: 300 },
    { name: 'zebra-2x1in', dpi: 203 },
    { name: 'zebra-2x1in', dpi: 300 },
    { name: 'a4-3x8', dpi: 300 },
    { name: 'pcb-12x12', dpi: 600 },
  ];

  it.each(cases)(
    '$name at $dpi dpi: every code decodes to its element string with FNC1',
    async ({ name, dpi }) => {
      const pdf = join(dir, `${name}-${dpi}.pdf`);
      const result = await renderLabels(devices, { template: name, out: pdf, dpi });
      expect(result.labels).toBe(devices.length);
      const template = LABEL_TEMPLATES[name];
      const { grid, label } = template;
      const pages = await rasterize(pdf, { dpi, first: 1, last: result.pages });
      const decoded = devices.map((_, i) => {
        const perPage = grid.columns * grid.rows;
        const cell = i % perPage;
        const left = grid.left + (cell % grid.columns) * (label.width + grid.columnGap);
        const top = grid.top + Math.floor(cell / grid.columns) * (label.height + grid.rowGap);
        // The code box only: ZXing's detector is misled by the text beside the code.
        const code = template.code.box;
        const box = {
          x: px(left + code.x, dpi),
          y: px(top + code.y, dpi),
          width: px(code.width, dpi),
          height: px(code.height, dpi),
        };
        return decodeDataMatrix(pad(crop(pages[Math.floor(i / perPage)]!, box), 8));
      });
      // ZXing reports the leading FNC1 as a GS too, and no symbology identifier (]d2) in the text.
      expect(decoded).toEqual(devices.map((d) => `${GS}${gs1Fnc1String(d.gs1!)}`));
      expect(decoded[1]).toBe(`${GS}010950110153000311261207` + `21S-00042${GS}` + `10${BUILD}`);
    },
  );

  it.each(['brother-62x29', 'zebra-2x1in', 'a4-3x8'] as const)(
    '%s prints the human-readable interpretation whole, one AI a line, instead of the serial and build lines',
    async (name) => {
      const pdf = join(dir, `${name}-text.pdf`);
      await renderLabels(devices, { template: name, out: pdf });
      const text = (await poppler('pdftotext', ['-layout', pdf, '-'])).stdout;
      expect(text).not.toContain('…');
      const longest = devices[2]!;
      for (const line of [
        `(01)${GTIN}`,
        '(11)261207',
        `(21)${longest.serialLabel!}`,
        `(10)${longest.buildCode!}`,
        `(21)S-00042`,
        longest.code,
      ])
        expect(text).toContain(line);
      expect(text).not.toContain(`B ${BUILD}`);
    },
  );

  it('refuses a GS1 code too dense for the code box, naming items.<i>.gs1', async () => {
    const pcb: LabelTemplate = LABEL_TEMPLATES['pcb-12x12'];
    const tiny: LabelTemplate = {
      ...pcb,
      code: { ...pcb.code, box: { x: 0.5, y: 0.5, width: 5, height: 5 } },
    };
    const error = await renderLabels([device('42')], { template: tiny, out: join(dir, 'tiny.pdf') }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual([
      {
        field: 'items.0.gs1',
        message: expect.stringMatching(/too long for this template's GS1 DataMatrix code/),
      },
    ]);
  });

  it('refuses content whose element string GS1 would not accept, naming items.<i>.gs1', async () => {
    const bad = { ...device('42'), gs1: '(01)09501101530004(21)42' };
    const error = await renderLabels([device('1'), bad], {
      template: 'brother-62x29',
      out: join(dir, 'bad.pdf'),
    }).catch((e: unknown) => e);
    expect((error as ValidationError).problems).toEqual([
      { field: 'items.1.gs1', message: expect.stringMatching(/check digit/) },
    ]);
  });
});
