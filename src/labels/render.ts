/**
 * Renders label content into one PDF on a template: 2D codes as vector paths, text in embedded font
 * subsets fitted to the label, pages streamed to the output as they are made.
 *
 * Cost per label is dominated by encoding the 2D code; everything else is string building. Memory
 * stays flat however many labels are asked for: a page is written and forgotten before the next one
 * is made (see `pdf-writer.ts`), and only the fitted-text cache and one offset per PDF object remain.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, PDFName, type PDFFont, type PDFRef } from 'pdf-lib';
import { ValidationError } from '../domain/errors.ts';
import { labelFieldText, type LabelContent } from '../domain/labels.ts';
import { PdfStreamWriter, pdfNumber } from './pdf-writer.ts';
import { encodeSymbol, matrixPath, type ModuleMatrix } from './symbols.ts';
import {
  PT_PER_MM,
  getTemplate,
  labelsPerPage,
  type LabelFont,
  type LabelTemplate,
  type TemplateName,
  type TextLineSpec,
} from './templates.ts';
import { fitText, fontBytes, replaceMissingGlyphs } from './text.ts';

export interface RenderOptions {
  template: TemplateName | LabelTemplate;
  /** A writable stream (ended when the PDF is complete) or a file path (written via a temporary file and renamed, so a reader never sees half a PDF). */
  out: NodeJS.WritableStream | string;
  /** Printer resolution the 2D codes snap to; defaults to the template's (e.g. 300 for a 300 dpi Zebra). */
  dpi?: number;
  /** Number of labels expected, passed back to `onProgress` (the renderer itself never needs it). */
  total?: number;
  /** Called about every {@link PROGRESS_EVERY} labels and once at the end; awaited, so it may do I/O. */
  onProgress?: (done: number, total?: number) => void | Promise<void>;
  /** PDF document title. */
  title?: string;
}

export interface RenderResult {
  pages: number;
  labels: number;
  bytes: number;
}

export const PROGRESS_EVERY = 500;

/**
 * Renders `items` in order into one PDF. Items are pulled one at a time, so a generator over a
 * database cursor renders 100,000 labels without holding them.
 *
 * Throws `ValidationError` (field `items.<index>.<field>`) for content that cannot be printed, e.g. a
 * URL too long for the template's code box; with a file path nothing is left behind then.
 */
export async function renderLabels(
  items: Iterable<LabelContent> | AsyncIterable<LabelContent>,
  options: RenderOptions,
): Promise<RenderResult> {
  if (typeof options.out !== 'string') return renderToStream(items, options, options.out);
  const path = options.out;
  const temporary = `${path}.${process.pid}.${Date.now().toString(36)}.tmp`;
  const file = createWriteStream(temporary);
  try {
    const result = await renderToStream(items, options, file);
    await rename(temporary, path);
    return result;
  } catch (error) {
    file.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
}

async function renderToStream(
  items: Iterable<LabelContent> | AsyncIterable<LabelContent>,
  options: RenderOptions,
  out: NodeJS.WritableStream,
): Promise<RenderResult> {
  const template = typeof options.template === 'string' ? getTemplate(options.template) : options.template;
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.setProducer('buildtrace');
  doc.setCreator('buildtrace');
  doc.setCreationDate(new Date());
  if (options.title) doc.setTitle(options.title);
  const painter = await LabelPainter.create(doc, template, options.dpi ?? template.dpi);
  const writer = new PdfStreamWriter(doc, out);
  const perPage = labelsPerPage(template);
  const report = async (done: number) => {
    if (options.onProgress) await options.onProgress(done, options.total);
  };

  let labels = 0;
  let reported = 0;
  let content = '';
  try {
    for await (const item of items) {
      content += painter.paint(item, labels % perPage, labels);
      labels++;
      if (labels % perPage === 0) {
        await writer.addPage(content, painter.pageWidth, painter.pageHeight, painter.resources);
        content = '';
        if (labels - reported >= PROGRESS_EVERY) {
          reported = labels;
          await report(labels);
        }
      }
    }
    if (content) await writer.addPage(content, painter.pageWidth, painter.pageHeight, painter.resources);
    await writer.finish();
  } catch (error) {
    writer.detach();
    throw error;
  }
  out.end();
  await finished(out);
  await report(labels);
  return { pages: writer.pages, labels, bytes: writer.bytes };
}

interface EmbeddedFont {
  font: PDFFont;
  resource: string;
  codePoints: ReadonlySet<number>;
  /** Baseline below the top of a line, and line height, per point of font size. */
  ascent: number;
  lineHeight: number;
}

interface FittedLine {
  operators: string;
  size: number;
}

/** Where a symbol of a given module count goes on a label, in points from the label's top-left. */
interface SymbolPlacement {
  module: number;
  x: number;
  y: number;
}

/** Cached fitted lines per template line; cleared when it grows past this many entries. */
const FIT_CACHE_LIMIT = 10_000;

/**
 * Turns one label's content into content-stream operators at a grid position. Holds what every
 * label of a render shares: fonts, resolved geometry, the symbol placement per symbol size and the
 * fitted-text cache (a build's labels repeat the part name and build line on every label).
 */
export class LabelPainter {
  readonly pageWidth: number;
  readonly pageHeight: number;
  private readonly dot: number;
  private readonly placements = new Map<number, SymbolPlacement>();
  private readonly fitted: Map<string, FittedLine>[];

  private constructor(
    private readonly template: LabelTemplate,
    dpi: number,
    private readonly fonts: Map<LabelFont, EmbeddedFont>,
    readonly resources: PDFRef,
  ) {
    if (!(dpi >= 72 && dpi <= 2400)) throw new RangeError(`dpi must be between 72 and 2400, got ${dpi}`);
    this.dot = 72 / dpi;
    this.pageWidth = template.page.width * PT_PER_MM;
    this.pageHeight = template.page.height * PT_PER_MM;
    this.fitted = (template.text?.lines ?? []).map(() => new Map());
  }

  /** Embeds the template's fonts as subsets into `doc` and registers the shared resource dictionary. */
  static async create(doc: PDFDocument, template: LabelTemplate, dpi: number): Promise<LabelPainter> {
    doc.registerFontkit(fontkit);
    const fonts = new Map<LabelFont, EmbeddedFont>();
    for (const line of template.text?.lines ?? []) {
      if (fonts.has(line.font)) continue;
      const font = await doc.embedFont(fontBytes(line.font), { subset: true });
      fonts.set(line.font, {
        font,
        resource: `F${fonts.size + 1}`,
        codePoints: new Set(font.getCharacterSet()),
        ascent: font.heightAtSize(1, { descender: false }),
        lineHeight: font.heightAtSize(1),
      });
    }
    const fontDict = Object.fromEntries([...fonts.values()].map((f) => [f.resource, f.font.ref]));
    const resources = doc.context.register(
      doc.context.obj({ ProcSet: [PDFName.of('PDF'), PDFName.of('Text')], Font: fontDict }),
    );
    return new LabelPainter(template, dpi, fonts, resources);
  }

  /** Operators drawing one label in grid cell `cell` of the current page. */
  paint(item: LabelContent, cell: number, index: number): string {
    const { grid, label } = this.template;
    const column = cell % grid.columns;
    const row = Math.floor(cell / grid.columns);
    // Label origin, top-left, in points from the page's top-left.
    const left = (grid.left + column * (label.width + grid.columnGap)) * PT_PER_MM;
    const top = (grid.top + row * (label.height + grid.rowGap)) * PT_PER_MM;
    if (typeof item.url !== 'string' || item.url === '') {
      throw ValidationError.field(`items.${index}.url`, 'must be a non-empty string');
    }
    const matrix = encodeSymbol(this.template.code.symbology, item.url);
    return this.symbolOperators(matrix, matrixPath(matrix), left, top, index) + this.textOperators(item, left, top);
  }

  /**
   * Operators for a symbol whose module path was made elsewhere (e.g. in a worker), placed for
   * the label whose top-left is (`left`, `top`) points from the page's top-left.
   */
  symbolOperators(matrix: Pick<ModuleMatrix, 'width' | 'height'>, path: string, left: number, top: number, index: number): string {
    const placement = this.placement(matrix, index);
    // Snap to the printer's dot grid, counted from the page's top-left where the printer starts.
    const x = Math.round((left + placement.x) / this.dot) * this.dot;
    const y = this.pageHeight - Math.round((top + placement.y) / this.dot) * this.dot;
    const m = pdfNumber(placement.module);
    return `q ${m} 0 0 -${m} ${pdfNumber(x)} ${pdfNumber(y)} cm\n${path}f\nQ\n`;
  }

  /** Operators for the template's text lines of one label; lines with nothing to say are left out. */
  textOperators(item: LabelContent, left: number, top: number): string {
    const text = this.template.text;
    if (!text) return '';
    const lines: { spec: TextLineSpec; fit: FittedLine; font: EmbeddedFont }[] = [];
    for (let i = 0; i < text.lines.length; i++) {
      const spec = text.lines[i]!;
      const value = labelFieldText(item, spec.field);
      if (value === '') continue;
      const font = this.fonts.get(spec.font)!;
      lines.push({ spec, font, fit: this.fit(i, spec, font, value) });
    }
    if (lines.length === 0) return '';

    // Each line keeps the height of its largest size, so a shrunk name stays on the baseline it would
    // have had; spare height is shared out between lines (at most 2 mm each) and the block centred.
    const box = text.box;
    const heights = lines.map((l) => l.font.lineHeight * l.spec.maxSize);
    const total = heights.reduce((a, b) => a + b, 0);
    const spare = box.height * PT_PER_MM - total;
    const gap = lines.length > 1 ? Math.max(0, Math.min(spare / (lines.length - 1), 2 * PT_PER_MM)) : 0;
    let y = top + box.y * PT_PER_MM + Math.max(0, (spare - gap * (lines.length - 1)) / 2);
    const x = pdfNumber(left + box.x * PT_PER_MM);
    let ops = 'BT\n';
    for (let i = 0; i < lines.length; i++) {
      const { spec, font, fit } = lines[i]!;
      const baseline = this.pageHeight - (y + font.ascent * spec.maxSize);
      ops += `/${font.resource} ${pdfNumber(fit.size)} Tf\n1 0 0 1 ${x} ${pdfNumber(baseline)} Tm\n${fit.operators}`;
      y += heights[i]! + gap;
    }
    return `${ops}ET\n`;
  }

  private fit(line: number, spec: TextLineSpec, font: EmbeddedFont, value: string): FittedLine {
    const cache = this.fitted[line]!;
    let fit = cache.get(value);
    if (!fit) {
      const width = this.template.text!.box.width * PT_PER_MM;
      const fitted = fitText(replaceMissingGlyphs(value, font.codePoints), font.font, width, spec);
      // encodeText also adds the glyphs to the font subset, so it runs for every distinct text.
      fit = { size: fitted.size, operators: `${font.font.encodeText(fitted.text).toString()} Tj\n` };
      if (cache.size >= FIT_CACHE_LIMIT) cache.clear();
      cache.set(value, fit);
    }
    return fit;
  }

  private placement(matrix: Pick<ModuleMatrix, 'width' | 'height'>, index: number): SymbolPlacement {
    const key = matrix.width * 65536 + matrix.height;
    let placement = this.placements.get(key);
    if (!placement) {
      const { box, quietZone } = this.template.code;
      const room = Math.min(
        (box.width * PT_PER_MM) / (matrix.width + 2 * quietZone),
        (box.height * PT_PER_MM) / (matrix.height + 2 * quietZone),
      );
      // A module is a whole number of printer dots (tiny epsilon: 9 dots must not become 8.9999).
      const dots = Math.floor(room / this.dot + 1e-9);
      if (dots < 1) {
        throw ValidationError.field(
          `items.${index}.url`,
          `too long for the ${this.template.code.symbology} code of this template ` +
            `(${matrix.width}×${matrix.height} modules do not fit ${box.width}×${box.height} mm at ${pdfNumber(72 / this.dot)} dpi)`,
        );
      }
      const module = dots * this.dot;
      placement = {
        module,
        x: box.x * PT_PER_MM + (box.width * PT_PER_MM - matrix.width * module) / 2,
        y: box.y * PT_PER_MM + (box.height * PT_PER_MM - matrix.height * module) / 2,
      };
      this.placements.set(key, placement);
    }
    return placement;
  }
}
