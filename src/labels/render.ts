/**
 * Renders label content into one PDF on a template: 2D codes as vector paths, text in embedded font
 * subsets fitted to the label, pages streamed to the output as they are made.
 *
 * Pipeline per page: the main thread pulls items, lays out their text (fonts are shared state) and
 * hands the page to a composer, which encodes the 2D codes and compresses the content stream — on the
 * same thread, or in worker threads (`threads`) because that is most of the work. Compressed pages
 * are written in order as they come back. Memory stays flat however many labels are asked for: a
 * page is written and forgotten (see `pdf-writer.ts`), at most a few pages per worker are in flight,
 * and only the fitted-text cache and one offset per PDF object remain.
 */
import { open, rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, PDFName, type PDFRef } from 'pdf-lib';
import { ValidationError } from '../domain/errors.ts';
import { labelFieldText, validateLabelContent, type LabelContent } from '../domain/labels.ts';
import { LabelLayout, pdfNumber, type PageJob } from './layout.ts';
import { inlineComposer, workerComposer, type PageComposer } from './page-composer.ts';
import { PdfStreamWriter } from './pdf-writer.ts';
import {
  PT_PER_MM,
  defaultDpi,
  getTemplate,
  type LabelFont,
  type LabelTemplate,
  type TemplateName,
  type TextLineSpec,
} from '../domain/label-templates.ts';
import { FontEncoder, InkMeter, fontBytes } from './text.ts';

export interface RenderOptions {
  template: TemplateName | LabelTemplate;
  /**
   * A writable stream, ended when the PDF is complete; or a file path, written through a temporary
   * file and renamed so that nobody ever sees half a PDF under that name.
   */
  out: NodeJS.WritableStream | string;
  /**
   * Printer resolution the 2D codes snap to; defaults to the template's first (e.g. 300 for a 300 dpi
   * Zebra instead of 203). Not checked against the template's `dpis`: callers taking a resolution
   * from outside check that (as `requestLabels` does).
   */
  dpi?: number;
  /** Number of labels expected, passed back to `onProgress` (the renderer itself never needs it). */
  total?: number;
  /** Called about every {@link PROGRESS_EVERY} labels and once at the end; awaited, so it may do I/O. */
  onProgress?: (done: number, total?: number) => void | Promise<void>;
  /**
   * Worker threads that encode codes and compress pages; 0 (default) does everything on the calling
   * thread. Starting workers costs ~0.3 s, so they pay off from a few thousand labels on.
   */
  threads?: number;
  /** zlib level of the content streams, 1–9 (default 6; 1 is ~10% larger and a little faster). */
  compression?: number;
  /** PDF document title. */
  title?: string;
}

export interface RenderResult {
  pages: number;
  labels: number;
  bytes: number;
}

export const PROGRESS_EVERY = 500;
/** Labels per request to a worker: enough to amortise the message, few enough to keep all busy. */
const LABELS_PER_REQUEST = 32;

/**
 * Renders `items` in order into one PDF. Items are pulled as pages fill, so a generator over a
 * database cursor renders 100,000 labels without holding them.
 *
 * Throws `ValidationError` for content that cannot be printed — field `items.<index>.url` for a URL too
 * long for the template's code box (`items.<index>.gs1` for a GS1 code too dense or invalid), `items`
 * for no labels at all. With a file path nothing is left behind then; a stream is left as it is.
 */
export async function renderLabels(
  items: Iterable<LabelContent> | AsyncIterable<LabelContent>,
  options: RenderOptions,
): Promise<RenderResult> {
  if (typeof options.out !== 'string') return renderToStream(items, options, options.out);
  const path = options.out;
  const temporary = `${path}.${process.pid}.${Date.now().toString(36)}.tmp`;
  // Opened before the stream exists, so a bad path fails here rather than as an unheard 'error' event.
  const file = (await open(temporary, 'wx')).createWriteStream();
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
  const dpi = options.dpi ?? defaultDpi(template);
  const layout = new LabelLayout(template, dpi);
  const compression = options.compression ?? 6;
  const threads = Math.max(0, Math.floor(options.threads ?? 0));

  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.setProducer('buildtrace');
  doc.setCreator('buildtrace');
  doc.setCreationDate(new Date());
  if (options.title) doc.setTitle(options.title);
  const text = await TextPainter.create(doc, layout);
  const writer = new PdfStreamWriter(doc, out);
  const setup = { template, dpi, compression };
  const composer: PageComposer = threads > 0 ? workerComposer(setup, threads) : inlineComposer(setup);
  const pagesPerRequest = threads > 0 ? Math.max(1, Math.floor(LABELS_PER_REQUEST / layout.perPage)) : 1;

  let labels = 0;
  let written = 0;
  let reported = 0;
  const inFlight: { pages: Promise<Uint8Array[]>; labels: number }[] = [];
  let request: PageJob[] = [];
  let requestLabels = 0;
  let page: PageJob = { cells: [], text: '' };

  const send = () => {
    const pages = composer.compose(request);
    // Failures surface when the request is awaited in order; until then, do not report them as unhandled.
    pages.catch(() => {});
    inFlight.push({ pages, labels: requestLabels });
    request = [];
    requestLabels = 0;
  };
  const writeOldest = async () => {
    const oldest = inFlight.shift()!;
    for (const data of await oldest.pages) {
      await writer.addPage(data, layout.pageWidth, layout.pageHeight, text.resources);
    }
    written += oldest.labels;
    if (options.onProgress && written - reported >= PROGRESS_EVERY) {
      reported = written;
      await options.onProgress(written, options.total);
    }
  };
  const endPage = async () => {
    request.push(page);
    requestLabels += page.cells.length;
    page = { cells: [], text: '' };
    if (request.length >= pagesPerRequest) send();
    while (inFlight.length > composer.depth) await writeOldest();
  };

  try {
    for await (const item of items) {
      validateLabelContent(item, `items.${labels}`);
      const cell = labels % layout.perPage;
      page.cells.push({
        url: item.url,
        index: labels,
        cell,
        ...(item.gs1 !== undefined ? { gs1: item.gs1 } : {}),
      });
      page.text += text.operators(item, cell);
      labels++;
      if (cell === layout.perPage - 1) await endPage();
    }
    // A PDF needs a page; an empty run is a caller's mistake worth hearing about, not a blank label.
    if (labels === 0) throw ValidationError.field('items', 'must contain at least one label');
    if (page.cells.length > 0) await endPage();
    if (request.length > 0) send();
    while (inFlight.length > 0) await writeOldest();
    await writer.finish();
  } catch (error) {
    writer.detach();
    throw error;
  } finally {
    await composer.close();
  }
  out.end();
  await finished(out);
  if (options.onProgress && (reported !== labels || labels === 0))
    await options.onProgress(labels, options.total);
  return { pages: writer.pages, labels, bytes: writer.bytes };
}

/** A template's text lines, then its GS1 lines. */
const allLines = (template: LabelTemplate): readonly TextLineSpec[] =>
  template.text ? [...template.text.lines, ...(template.text.gs1Lines ?? [])] : [];

interface EmbeddedFont {
  font: FontEncoder;
  ink: InkMeter;
  resource: string;
  /** Distance from the top of a line to its baseline, and line height, per point of font size. */
  ascent: number;
  lineHeight: number;
}

interface FittedLine {
  operators: string;
  size: number;
  /** How far the fitted text's ink reaches above and below its baseline, in points. */
  above: number;
  below: number;
}

/** Fitted lines cached per template line; a cache is emptied when it grows past this many entries. */
const FIT_CACHE_LIMIT = 10_000;

/**
 * The text half of a label: fonts embedded as subsets, lines fitted and placed. Fitted lines are
 * cached by text, since a build's labels repeat the part name and the build line on every label.
 */
class TextPainter {
  private readonly fitted: Map<string, FittedLine>[];
  private readonly clips = new Map<number, string>();

  private constructor(
    private readonly layout: LabelLayout,
    private readonly fonts: Map<LabelFont, EmbeddedFont>,
    /** The resource dictionary every page shares (the fonts). */
    readonly resources: PDFRef,
  ) {
    this.fitted = allLines(layout.template).map(() => new Map());
  }

  /**
   * Embeds the template's fonts into `doc` and registers the shared resource dictionary. Refuses a
   * template whose lines at their largest sizes are taller than its text box: fitting only shrinks
   * text sideways, so such a template could print past its box.
   */
  static async create(doc: PDFDocument, layout: LabelLayout): Promise<TextPainter> {
    doc.registerFontkit(fontkit);
    const fonts = new Map<LabelFont, EmbeddedFont>();
    for (const line of allLines(layout.template)) {
      if (fonts.has(line.font)) continue;
      const font = await doc.embedFont(fontBytes(line.font), { subset: true });
      fonts.set(line.font, {
        font: new FontEncoder(font),
        ink: new InkMeter(fontkit.create(fontBytes(line.font))),
        resource: `F${fonts.size + 1}`,
        ascent: font.heightAtSize(1, { descender: false }),
        lineHeight: font.heightAtSize(1),
      });
    }
    const text = layout.template.text;
    for (const lines of text ? [text.lines, text.gs1Lines ?? []] : []) {
      const height = lines.reduce((sum, line) => sum + fonts.get(line.font)!.lineHeight * line.maxSize, 0);
      const box = text!.box.height;
      if (height > box * PT_PER_MM + 1e-9) {
        throw new RangeError(
          `template text lines need ${pdfNumber(height / PT_PER_MM, 1)} mm but the text box is ${box} mm tall`,
        );
      }
    }
    const fontDict = Object.fromEntries([...fonts.values()].map((f) => [f.resource, f.font.font.ref]));
    const resources = doc.context.register(
      doc.context.obj({ ProcSet: [PDFName.of('PDF'), PDFName.of('Text')], Font: fontDict }),
    );
    return new TextPainter(layout, fonts, resources);
  }

  /** Operators for one label's text lines in grid cell `cell`; lines with nothing to say are left out. */
  operators(item: LabelContent, cell: number): string {
    const text = this.layout.template.text;
    if (!text) return '';
    const lines: { spec: TextLineSpec; fit: FittedLine; font: EmbeddedFont }[] = [];
    // A GS1 label shows its human-readable interpretation instead (fit caches follow `allLines`).
    const gs1 = item.gs1 !== undefined && text.gs1Lines !== undefined;
    const specs = gs1 ? text.gs1Lines! : text.lines;
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i]!;
      const value = labelFieldText(item, spec.field);
      if (value === '') continue;
      const font = this.fonts.get(spec.font)!;
      lines.push({ spec, font, fit: this.fit(i + (gs1 ? text.lines.length : 0), spec, font, value) });
    }
    if (lines.length === 0) return '';

    // A line is as tall as its largest size, so a shrunk name keeps the baseline it would have had,
    // and taller where its ink reaches further (accented capitals, brackets, stacked marks): the box
    // is where the printer prints, so ink placed by the font's ascent alone could fall outside it.
    // Spare height goes between the lines (at most 2 mm each) and the block is centred in the box.
    const { left, top } = this.layout.cellOrigin(cell);
    const box = text.box;
    const above = lines.map((l) => Math.max(l.font.ascent * l.spec.maxSize, l.fit.above));
    const heights = lines.map((l, i) =>
      Math.max(above[i]! + (l.font.lineHeight - l.font.ascent) * l.spec.maxSize, above[i]! + l.fit.below),
    );
    const spare = box.height * PT_PER_MM - heights.reduce((a, b) => a + b, 0);
    const gap = lines.length > 1 ? Math.max(0, Math.min(spare / (lines.length - 1), 2 * PT_PER_MM)) : 0;
    let y = top + box.y * PT_PER_MM + Math.max(0, (spare - gap * (lines.length - 1)) / 2);
    const x = pdfNumber(left + box.x * PT_PER_MM);
    let ops = `q ${this.clip(cell)} re W n\nBT\n`;
    for (let i = 0; i < lines.length; i++) {
      const { fit, font } = lines[i]!;
      const baseline = this.layout.pageHeight - (y + above[i]!);
      ops += `/${font.resource} ${pdfNumber(fit.size)} Tf\n1 0 0 1 ${x} ${pdfNumber(baseline)} Tm\n${fit.operators}`;
      y += heights[i]! + gap;
    }
    return `${ops}ET\nQ\n`;
  }

  /**
   * The text box of grid cell `cell` as a clipping rectangle, shrunk to whole printer dots: text that
   * still cannot fit (marks stacked taller than the box) is cut at the box's edges rather than printed
   * into the margin, and no dot straddling an edge is printed.
   */
  private clip(cell: number): string {
    let clip = this.clips.get(cell);
    if (clip === undefined) {
      clip = this.clipOf(cell);
      this.clips.set(cell, clip);
    }
    return clip;
  }

  private clipOf(cell: number): string {
    const { left, top } = this.layout.cellOrigin(cell);
    const box = this.layout.template.text!.box;
    const dot = 72 / this.layout.dpi;
    const inward = (pt: number, up: boolean) =>
      up ? Math.ceil(pt / dot - 1e-6) : Math.floor(pt / dot + 1e-6);
    const x0 = inward(left + box.x * PT_PER_MM, true);
    const x1 = inward(left + (box.x + box.width) * PT_PER_MM, false);
    const y0 = inward(top + box.y * PT_PER_MM, true);
    const y1 = inward(top + (box.y + box.height) * PT_PER_MM, false);
    return [x0 * dot, this.layout.pageHeight - y1 * dot, (x1 - x0) * dot, (y1 - y0) * dot]
      .map((n) => pdfNumber(n, 6))
      .join(' ');
  }

  private fit(line: number, spec: TextLineSpec, font: EmbeddedFont, value: string): FittedLine {
    const cache = this.fitted[line]!;
    let fit = cache.get(value);
    if (!fit) {
      const width = this.layout.template.text!.box.width * PT_PER_MM;
      const fitted = font.font.fit(value, width, spec);
      // encodeText also adds the glyphs to the font subset, so it must see every distinct text.
      const ink = font.ink.extent(fitted.text);
      fit = {
        size: fitted.size,
        operators: `${font.font.encode(fitted.text)} Tj\n`,
        above: ink.above * fitted.size,
        below: ink.below * fitted.size,
      };
      if (cache.size >= FIT_CACHE_LIMIT) cache.clear();
      cache.set(value, fit);
    }
    return fit;
  }
}
