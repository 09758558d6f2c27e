/**
 * The 1-bit label raster against the PDF renderer: the same labels rendered to PDF and rasterised by
 * poppler at 300 dpi must show the same picture — the 2D code identical dot for dot (both snap its
 * modules to whole dots with the same rounding), and the text in the same place at the same size
 * (the two differ only along glyph edges, where poppler anti-aliases and the raster samples dot
 * centres).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTemplate } from '../../src/domain/label-templates.ts';
import type { LabelContent } from '../../src/domain/labels.ts';
import { renderLabels } from '../../src/labels/render.ts';
import { rasterLabel } from '../../src/printers/raster.ts';
import { rasterize } from '../helpers/decode.ts';

const labels: LabelContent[] = [
  {
    code: '7K3M9Q2R4T',
    url: 'https://buildtrace.example.com/id/7K3M9Q2R4T',
    title: 'Power Supply Board Rev C',
    serial: 42,
    buildCode: 'B2C3D4E5F6',
    date: '2026-12-07',
  },
  {
    code: 'LOT0000009',
    url: 'https://buildtrace.example.com/id/LOT0000009',
    title: 'Résistance 10 kΩ ±1 % 0402 — a name far too long for one line of the label',
    quantity: 2500,
    dateCode: '2419',
    supplier: 'Mouser Electronics',
  },
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bt-brother-raster-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('label raster against the PDF of the same labels (poppler, 300 dpi)', () => {
  it.each(['brother-62x29', 'zebra-2x1in'] as const)(
    '%s: the same code dot for dot, the same text along its edges',
    async (name) => {
      const template = getTemplate(name);
      const dpi = template.dpis[template.dpis.length - 1]!;
      const pdf = join(dir, `${name}.pdf`);
      await renderLabels(labels, { template: name, out: pdf, dpi });
      const pages = await rasterize(pdf, { dpi, first: 1, last: labels.length });
      labels.forEach((content, i) => {
        const raster = rasterLabel(template, dpi, content);
        const page = pages[i]!;
        const stride = Math.ceil(raster.width / 8);
        const ours = (x: number, y: number) => (raster.rows[y * stride + (x >> 3)]! >> (7 - (x & 7))) & 1;
        const theirs = (x: number, y: number) => (page.data[y * page.width + x]! < 128 ? 1 : 0);
        const width = Math.min(raster.width, page.width);
        const height = Math.min(raster.height, page.height);
        const codeRight = Math.floor(((template.code.box.x + template.code.box.width) * dpi) / 25.4);
        let codeDiffer = 0;
        let textInk = 0;
        let textDiffer = 0;
        let awayFromEdges = 0;
        let oursOnly = 0;
        for (let y = 1; y < height - 1; y++) {
          for (let x = 1; x < width - 1; x++) {
            const differ = ours(x, y) !== theirs(x, y);
            if (x < codeRight) {
              if (differ) codeDiffer++;
              continue;
            }
            textInk += ours(x, y);
            if (!differ) continue;
            textDiffer++;
            if (ours(x, y)) oursOnly++;
            // A dot that differs must sit on an edge of the PDF's ink: some neighbour has the other colour.
            const v = theirs(x, y);
            let edge = false;
            for (let dy = -1; dy <= 1 && !edge; dy++)
              for (let dx = -1; dx <= 1 && !edge; dx++) edge = theirs(x + dx, y + dy) !== v;
            if (!edge) awayFromEdges++;
          }
        }
        expect({ label: i, codeDiffer }).toEqual({ label: i, codeDiffer: 0 });
        expect(textInk).toBeGreaterThan(2000);
        // Small text is mostly edge: one ink dot in eight to five differs (more at the smallest sizes), as many each way (neither is
        // bolder), and all but a few stray dots right on an edge of the PDF's ink.
        expect(textDiffer / textInk).toBeLessThan(0.3);
        expect(Math.abs(2 * oursOnly - textDiffer)).toBeLessThan(0.15 * textDiffer);
        expect(awayFromEdges).toBeLessThanOrEqual(5);
      });
    },
  );
});
