/**
 * One label as a 1-bit raster at a printer's resolution, for printers that take bitmaps (Brother QL
 * raster, PWG raster over IPP). The picture is the PDF renderer's: the 2D code placed by
 * {@link LabelLayout} (modules of whole dots, the same offset rounding) and the text lines fitted and
 * placed as `src/labels/render.ts` does, filled from the fonts' outlines without anti-aliasing.
 *
 * Coordinates are the label's own: dot (0, 0) is its top-left corner, rows run top to bottom. A
 * template with several labels per page is rasterised one label at a time (its first grid cell).
 *
 * GS1: when `content.gs1` is set, the code is a GS1 DataMatrix of that element string instead of a
 * code of the URL, in the same code box, and the text box shows the template's GS1 lines (one AI a
 * line), as the PDF does.
 */
import { ValidationError } from '../domain/errors.ts';
import { PT_PER_MM, type LabelTemplate, type TextLineSpec } from '../domain/label-templates.ts';
import { labelFieldText, type LabelContent } from '../domain/labels.ts';
import { LabelLayout } from '../labels/layout.ts';
import { encodeSymbol, gs1DataMatrixMatrix, type ModuleMatrix } from '../labels/symbols.ts';
import {
  createBitmap,
  fillSpan,
  rasterFont,
  type Bitmap,
  type DotBox,
  type RasterFont,
} from './raster-text.ts';

/** A label's raster: `ceil(width / 8)` bytes per row, most significant bit first, 1 = black. */
export interface LabelRaster {
  width: number;
  height: number;
  rows: Uint8Array;
}

/** Bytes per raster row. */
export function rasterStride(width: number): number {
  return Math.ceil(width / 8);
}

/** The label's size in whole dots at `dpi`. */
export function labelDots(template: LabelTemplate, dpi: number): { width: number; height: number } {
  return {
    width: Math.round((template.label.width * dpi) / 25.4),
    height: Math.round((template.label.height * dpi) / 25.4),
  };
}

/**
 * Rasterises one label. Throws `ValidationError` (field `url`, or `gs1`) when its code cannot be
 * printed readably on the template at this resolution, as the PDF renderer does.
 */
export function rasterLabel(template: LabelTemplate, dpi: number, content: LabelContent): LabelRaster {
  const { width, height } = labelDots(template, dpi);
  const bitmap = createBitmap(width, height);
  const dot = 72 / dpi;
  if (content.gs1 !== undefined) {
    drawSymbol(bitmap, layoutFor(template, dpi), gs1DataMatrixMatrix(content.gs1), 'gs1');
  } else {
    drawSymbol(bitmap, layoutFor(template, dpi), encodeSymbol(template.code.symbology, content.url), 'url');
  }
  drawText(bitmap, template, content, dot);
  return { width, height, rows: bitmap.rows };
}

const layouts = new WeakMap<LabelTemplate, Map<number, LabelLayout>>();

function layoutFor(template: LabelTemplate, dpi: number): LabelLayout {
  let byDpi = layouts.get(template);
  if (!byDpi) layouts.set(template, (byDpi = new Map()));
  let layout = byDpi.get(dpi);
  if (!layout) byDpi.set(dpi, (layout = new LabelLayout(template, dpi)));
  return layout;
}

/** Draws the symbol where {@link LabelLayout.symbolOperators} puts it in grid cell 0, on whole dots. */
function drawSymbol(bitmap: Bitmap, layout: LabelLayout, matrix: ModuleMatrix, field: string): void {
  let module: number;
  try {
    module = layout.moduleSize(matrix);
  } catch (error) {
    if (error instanceof ValidationError) throw ValidationError.field(field, error.problems[0]!.message);
    throw error;
  }
  const dot = 72 / layout.dpi;
  const { box } = layout.template.code;
  // The same expressions as LabelLayout's placement and symbolOperators, so the rounding is the same.
  const px = box.x * PT_PER_MM + (box.width * PT_PER_MM - matrix.width * module) / 2;
  const py = box.y * PT_PER_MM + (box.height * PT_PER_MM - matrix.height * module) / 2;
  const x0 = Math.round(px / dot);
  const y0 = Math.round(py / dot);
  const m = Math.round(module / dot);
  for (let my = 0; my < matrix.height; my++) {
    for (let mx = 0; mx < matrix.width;) {
      if (matrix.modules[my * matrix.width + mx] === 0) {
        mx++;
        continue;
      }
      const start = mx;
      while (mx < matrix.width && matrix.modules[my * matrix.width + mx] !== 0) mx++;
      for (let y = y0 + my * m; y < y0 + (my + 1) * m; y++) fillSpan(bitmap, y, x0 + start * m, x0 + mx * m);
    }
  }
}

/** A box in millimetres shrunk to the whole dots inside it. */
function dotBox(box: { x: number; y: number; width: number; height: number }, dot: number): DotBox {
  const inward = (pt: number, up: boolean) => (up ? Math.ceil(pt / dot - 1e-6) : Math.floor(pt / dot + 1e-6));
  return {
    x0: inward(box.x * PT_PER_MM, true),
    x1: inward((box.x + box.width) * PT_PER_MM, false),
    y0: inward(box.y * PT_PER_MM, true),
    y1: inward((box.y + box.height) * PT_PER_MM, false),
  };
}

interface PlacedLine {
  spec: TextLineSpec;
  font: RasterFont;
  text: string;
  size: number;
  above: number;
  below: number;
}

/** The template's text lines, fitted and placed as the PDF renderer's `TextPainter.operators`. */
function drawText(bitmap: Bitmap, template: LabelTemplate, content: LabelContent, dot: number): void {
  const text = template.text;
  if (!text) return;
  const box = text.box;
  const lines: PlacedLine[] = [];
  // A GS1 label shows the template's GS1 lines (one AI a line), as the PDF does.
  for (const spec of content.gs1 !== undefined && text.gs1Lines ? text.gs1Lines : text.lines) {
    const value = labelFieldText(content, spec.field);
    if (value === '') continue;
    const font = rasterFont(spec.font);
    const fitted = font.fit(value, box.width * PT_PER_MM, spec);
    const ink = font.ink.extent(fitted.text);
    lines.push({
      spec,
      font,
      text: fitted.text,
      size: fitted.size,
      above: ink.above * fitted.size,
      below: ink.below * fitted.size,
    });
  }
  if (lines.length === 0) return;
  const above = lines.map((l) => Math.max(l.font.ascent * l.spec.maxSize, l.above));
  const heights = lines.map((l, i) =>
    Math.max(above[i]! + (l.font.lineHeight - l.font.ascent) * l.spec.maxSize, above[i]! + l.below),
  );
  const spare = box.height * PT_PER_MM - heights.reduce((a, b) => a + b, 0);
  const gap = lines.length > 1 ? Math.max(0, Math.min(spare / (lines.length - 1), 2 * PT_PER_MM)) : 0;
  let y = box.y * PT_PER_MM + Math.max(0, (spare - gap * (lines.length - 1)) / 2);
  const clip = dotBox(box, dot);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    line.font.draw(bitmap, line.text, line.size, (box.x * PT_PER_MM) / dot, (y + above[i]!) / dot, dot, clip);
    y += heights[i]! + gap;
  }
}
