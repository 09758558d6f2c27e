/**
 * Label rendering end to end: PDFs rendered on every template are rasterized with poppler and their
 * 2D codes decoded by real decoders, as a scanner would read the printed label.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.ts';
import { IdCodeGenerator } from '../../src/domain/id-code.ts';
import { labelUrl, type LabelContent } from '../../src/domain/labels.ts';
import { renderLabels } from '../../src/labels/render.ts';
import { LABEL_TEMPLATES, PT_PER_MM, type Box, type TemplateName } from '../../src/domain/label-templates.ts';
import {
  crop,
  darkPixelsOutside,
  decodeDataMatrix,
  decodeQr,
  pad,
  poppler,
  rasterize,
  type GrayImage,
  type PixelBox,
} from '../helpers/decode.ts';

const PUBLIC_URL = 'https://buildtrace.example.com';
const codes = new IdCodeGenerator(new Uint8Array(24).map((_, i) => i * 7 + 3));

function unit(serial: number, overrides: Partial<LabelContent> = {}): LabelContent {
  const code = codes.codeFor(serial);
  return {
    code,
    url: labelUrl(PUBLIC_URL, code),
    title: 'Power Supply Board Rev C',
    serial,
    buildCode: codes.codeFor(1_000_000),
    date: '2026-11-29',
    ...overrides,
  };
}

function* units(count: number, overrides: Partial<LabelContent> = {}): Generator<LabelContent> {
  for (let serial = 1; serial <= count; serial++) yield unit(serial, overrides);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bt-labels-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const mmToPx = (mm: number, dpi: number) => (mm * dpi) / 25.4;
const boxToPx = (box: Box, dpi: number, originX = 0, originY = 0): PixelBox => ({
  x: mmToPx(originX + box.x, dpi),
  y: mmToPx(originY + box.y, dpi),
  width: mmToPx(box.width, dpi),
  height: mmToPx(box.height, dpi),
});

/** Pixel box of grid cell `cell` on a page of the template. */
function cellBox(name: TemplateName, cell: number, dpi: number): PixelBox {
  const { grid, label } = LABEL_TEMPLATES[name];
  const left = grid.left + (cell % grid.columns) * (label.width + grid.columnGap);
  const top = grid.top + Math.floor(cell / grid.columns) * (label.height + grid.rowGap);
  return boxToPx({ x: left, y: top, width: label.width, height: label.height }, dpi);
}

/** Decodes the code of every label on a page (each cell cropped so the decoder sees one code). */
function decodePage(name: TemplateName, image: GrayImage, dpi: number, labels: number): (string | null)[] {
  const decode = LABEL_TEMPLATES[name].code.symbology === 'qr' ? decodeQr : decodeDataMatrix;
  return Array.from({ length: labels }, (_, cell) => decode(pad(crop(image, cellBox(name, cell, dpi)), 8)));
}

async function pageCount(pdf: string): Promise<number> {
  const { stdout, stderr } = await poppler('pdfinfo', [pdf]);
  expect(stderr).toBe('');
  return Number(/^Pages:\s+(\d+)/m.exec(stdout)?.[1]);
}

describe('rendered labels scan', () => {
  // The template's own dpi unless given; pages are rasterized as a 203 dpi printer would, or finer.
  const cases: { name: TemplateName; dpi: number; raster: number }[] = [
    { name: 'brother-62x29', dpi: 300, raster: 203 },
    { name: 'zebra-2x1in', dpi: 203, raster: 203 },
    { name: 'zebra-2x1in', dpi: 300, raster: 300 },
    { name: 'a4-3x8', dpi: 300, raster: 203 },
    { name: 'pcb-12x12', dpi: 600, raster: 600 },
  ];

  it.each(cases)(
    '$name (codes snapped to $dpi dpi) decodes at $raster dpi',
    async ({ name, dpi, raster }) => {
      const count = 30;
      const pdf = join(dir, `${name}-${dpi}.pdf`);
      const result = await renderLabels(units(count), { template: name, out: pdf, dpi });
      const perPage = LABEL_TEMPLATES[name].grid.columns * LABEL_TEMPLATES[name].grid.rows;
      expect(result).toMatchObject({ labels: count, pages: Math.ceil(count / perPage) });
      expect(result.bytes).toBe((await readFile(pdf)).length);
      expect(await pageCount(pdf)).toBe(result.pages);

      const [first] = await rasterize(pdf, { dpi: raster, first: 1 });
      const [last] = await rasterize(pdf, { dpi: raster, first: result.pages });
      const onLast = count - (result.pages - 1) * perPage;
      expect(decodePage(name, first!, raster, Math.min(perPage, count))).toEqual(
        Array.from({ length: Math.min(perPage, count) }, (_, i) => unit(i + 1).url),
      );
      expect(decodePage(name, last!, raster, onLast)).toEqual(
        Array.from({ length: onLast }, (_, i) => unit(count - onLast + i + 1).url),
      );
    },
  );

  it('a 1,000-label roll: first, last and a sample decode', async () => {
    const pdf = join(dir, 'roll-1000.pdf');
    const result = await renderLabels(units(1000), { template: 'brother-62x29', out: pdf });
    expect(result).toMatchObject({ labels: 1000, pages: 1000 });
    expect(await pageCount(pdf)).toBe(1000);
    for (const page of [1, 2, 437, 999, 1000]) {
      const [image] = await rasterize(pdf, { dpi: 203, first: page });
      expect(decodeQr(image!), `page ${page}`).toBe(unit(page).url);
    }
  });

  it('a 1,000-label A4 run in worker threads: same PDF as on one thread; first, last and a sample decode', async () => {
    const inline = join(dir, 'a4-1000-inline.pdf');
    const threaded = join(dir, 'a4-1000-threads.pdf');
    await renderLabels(units(1000), { template: 'a4-3x8', out: inline });
    const result = await renderLabels(units(1000), { template: 'a4-3x8', out: threaded, threads: 2 });
    expect(result).toMatchObject({ labels: 1000, pages: 42 });
    // Identical but for the creation date.
    const withoutDate = (bytes: Buffer) => bytes.toString('latin1').replace(/\/CreationDate \([^)]*\)/, '');
    expect(withoutDate(await readFile(threaded))).toBe(withoutDate(await readFile(inline)));

    const [first] = await rasterize(threaded, { dpi: 203, first: 1 });
    expect(decodePage('a4-3x8', first!, 203, 24)).toEqual(
      Array.from({ length: 24 }, (_, i) => unit(i + 1).url),
    );
    const [middle] = await rasterize(threaded, { dpi: 203, first: 21 });
    expect(decodePage('a4-3x8', middle!, 203, 24)).toEqual(
      Array.from({ length: 24 }, (_, i) => unit(480 + i + 1).url),
    );
    const [last] = await rasterize(threaded, { dpi: 203, first: 42 });
    expect(decodePage('a4-3x8', last!, 203, 16)).toEqual(
      Array.from({ length: 16 }, (_, i) => unit(984 + i + 1).url),
    );
    // Cells after the last label stay blank.
    expect(
      darkPixelsOutside(
        last!,
        Array.from({ length: 16 }, (_, cell) => cellBox('a4-3x8', cell, 203)),
      ),
    ).toBe(0);
  });
});

describe('rendered PDF', () => {
  it('is vector only: no images, no embedded pages', async () => {
    const pdf = join(dir, 'vector.pdf');
    await renderLabels(units(48), { template: 'a4-3x8', out: pdf });
    const bytes = (await readFile(pdf)).toString('latin1');
    expect(bytes).not.toMatch(/\/Image\b/);
    expect(bytes).not.toMatch(/\/XObject\b/);
    expect(bytes).toMatch(/\/FontFile2/);
    expect(bytes.startsWith('%PDF-1.7')).toBe(true);
    expect(bytes.trimEnd().endsWith('%%EOF')).toBe(true);
  });

  it('has a cross-reference table pointing at every object, and other readers load it', async () => {
    const pdf = join(dir, 'xref.pdf');
    const result = await renderLabels(units(300), { template: 'brother-62x29', out: pdf });
    const raw = await readFile(pdf);
    const bytes = raw.toString('latin1');
    const xref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(bytes)![1]);
    const [, first, count] = /^xref\n(\d+) (\d+)\n/.exec(bytes.slice(xref))!.map(Number) as number[];
    expect(first).toBe(0);
    const entries = bytes
      .slice(xref)
      .split('\n')
      .slice(2, 2 + count!);
    entries.forEach((entry, n) => {
      if (n === 0) return expect(entry).toBe('0000000000 65535 f ');
      expect(entry).toMatch(/^\d{10} 00000 n $/);
      expect(bytes.startsWith(`${n} 0 obj\n`, Number(entry.slice(0, 10)))).toBe(true);
    });
    expect(bytes).toContain(`/Size ${count}`);
    const loaded = await PDFDocument.load(raw);
    expect(loaded.getPageCount()).toBe(result.pages);
    expect(loaded.getPage(299).getSize().width).toBeCloseTo(62 * PT_PER_MM, 2);
  });

  it('refuses a template whose text lines are taller than its text box', async () => {
    const brother = LABEL_TEMPLATES['brother-62x29'];
    const cramped = { ...brother, text: { ...brother.text, box: { ...brother.text.box, height: 8 } } };
    await expect(
      renderLabels(units(1), { template: cramped, out: join(dir, 'cramped.pdf') }),
    ).rejects.toThrow(/text box is 8 mm tall/);
  });

  it('carries the text lines, extractable (embedded subsets with Unicode maps)', async () => {
    const pdf = join(dir, 'text.pdf');
    await renderLabels(
      [unit(42, { title: 'Überspannung Ω µF' }), unit(43, { serialLabel: 'PX-2648-00043' })],
      {
        template: 'brother-62x29',
        out: pdf,
      },
    );
    const { stdout: page1 } = await poppler('pdftotext', ['-f', '1', '-l', '1', pdf, '-']);
    expect(page1).toContain('Überspannung Ω µF');
    expect(page1).toContain('SN 0042');
    expect(page1).toContain(unit(42).code);
    expect(page1).toContain(`B ${unit(42).buildCode} · 2026-11-29`);
    const { stdout: page2 } = await poppler('pdftotext', ['-f', '2', '-l', '2', pdf, '-']);
    expect(page2).toContain('PX-2648-00043');
    expect(page2).not.toContain('SN 0043');
  });

  it.each(['brother-62x29', 'zebra-2x1in', 'a4-3x8'] as const)(
    '%s: a 300-character part name is cut with an ellipsis and ink stays in the code and text boxes',
    async (name) => {
      const title = 'Isolated DC-DC converter module with overcurrent protection '.repeat(5);
      const pdf = join(dir, `long-${name}.pdf`);
      await renderLabels(
        [unit(1, { title, serialLabel: `PX-${'9'.repeat(60)}`, buildCode: 'X'.repeat(80) })],
        {
          template: name,
          out: pdf,
        },
      );
      const dpi = 300;
      const [image] = await rasterize(pdf, { dpi, first: 1 });
      const { code, text } = LABEL_TEMPLATES[name];
      const { grid } = LABEL_TEMPLATES[name];
      // 1 px of tolerance for anti-aliasing at the box edges.
      const grow = (b: PixelBox): PixelBox => ({
        x: b.x - 1,
        y: b.y - 1,
        width: b.width + 2,
        height: b.height + 2,
      });
      const allowed = [code.box, text!.box].map((b) => grow(boxToPx(b, dpi, grid.left, grid.top)));
      expect(darkPixelsOutside(image!, allowed)).toBe(0);
      expect(decodeQr(crop(image!, cellBox(name, 0, dpi)))).toBe(unit(1).url);
      const { stdout } = await poppler('pdftotext', [pdf, '-']);
      expect(stdout).toMatch(/Isolated DC-DC conv\S*…/);
    },
  );

  it('reports progress and streams to a writable', async () => {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
    });
    const progress: [number, number | undefined][] = [];
    async function* slowly(): AsyncGenerator<LabelContent> {
      yield* units(1200);
    }
    const result = await renderLabels(slowly(), {
      template: 'a4-3x8',
      out: sink,
      total: 1200,
      onProgress: (done, total) => {
        progress.push([done, total]);
      },
    });
    expect(result).toMatchObject({ labels: 1200, pages: 50 });
    expect(Buffer.concat(chunks).length).toBe(result.bytes);
    expect(progress.map(([done]) => done)).toEqual([504, 1008, 1200]);
    expect(progress.every(([, total]) => total === 1200)).toBe(true);
    expect(sink.writableFinished).toBe(true);
  });
});

describe('content that cannot be printed', () => {
  it('refuses a URL too long for the code box, naming the label, and leaves no file behind', async () => {
    const pdf = join(dir, 'refused', 'pcb.pdf');
    await rm(join(dir, 'refused'), { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'refused')));
    const items = [unit(1), unit(2, { url: `${PUBLIC_URL}/id/${'X'.repeat(600)}` })];
    const error = await renderLabels(items, { template: 'pcb-12x12', out: pdf }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems[0]).toMatchObject({ field: 'items.1.url' });
    expect((error as ValidationError).message).toMatch(
      /too long for this template's datamatrix code: .* under the 0.25 mm a scanner needs/,
    );
    expect(await readdir(join(dir, 'refused'))).toEqual([]);
  });

  it('refuses an empty run', async () => {
    const pdf = join(dir, 'empty.pdf');
    await expect(renderLabels([], { template: 'brother-62x29', out: pdf })).rejects.toThrow(
      'items: must contain at least one label',
    );
    await expect(readFile(pdf)).rejects.toThrow(/ENOENT/);
  });

  it('reports the same error from a worker thread', async () => {
    const items = [unit(1), unit(2, { url: `${PUBLIC_URL}/id/${'X'.repeat(600)}` })];
    const sink = new Writable({ write: (_c, _e, done) => done() });
    const error = await renderLabels(items, { template: 'pcb-12x12', out: sink, threads: 1 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems[0]).toMatchObject({ field: 'items.1.url' });
  });

  it('names malformed content before drawing anything', async () => {
    const items = [unit(1), { ...unit(2), url: '', serial: -3 }];
    const sink = new Writable({ write: (_c, _e, done) => done() });
    const error = await renderLabels(items, { template: 'brother-62x29', out: sink }).catch(
      (e: unknown) => e,
    );
    expect((error as ValidationError).problems).toEqual([
      { field: 'items.1.url', message: 'must be a non-empty string' },
      { field: 'items.1.serial', message: 'must be a non-negative integer' },
    ]);
  });

  it('fails cleanly when the output cannot be created', async () => {
    await expect(
      renderLabels(units(2), { template: 'brother-62x29', out: join(dir, 'missing', 'x.pdf') }),
    ).rejects.toThrow(/ENOENT/);
  });

  it('keeps PT_PER_MM honest', () => {
    expect(PT_PER_MM * 25.4).toBeCloseTo(72, 12);
  });
});
