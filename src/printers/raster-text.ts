/**
 * Label text for 1-bit rasters: the label fonts' glyph outlines (fontkit) flattened to polygons and
 * filled on whole printer dots with the nonzero rule, no anti-aliasing (a dot is black when its
 * centre is inside the outline). Fitting and placement follow the PDF renderer (`src/labels/render.ts`)
 * point for point, so a label printed from a raster reads like the PDF of the same label.
 */
import { createRequire } from 'node:module';
import type Fontkit from '@pdf-lib/fontkit';
import type { Font as FontkitFont, Glyph } from '@pdf-lib/fontkit';
import type { LabelFont } from '../domain/label-templates.ts';
import {
  InkMeter,
  fitText,
  fontBytes,
  replaceMissingGlyphs,
  type FittedText,
  type TextMeasure,
} from '../labels/text.ts';

const require = createRequire(import.meta.url);
let fontkitModule: typeof Fontkit | undefined;
/** fontkit (~5 MB of heap) is loaded with the first label rasterized, not with every process. */
const fontkit = (): typeof Fontkit => (fontkitModule ??= require('@pdf-lib/fontkit') as typeof Fontkit);

/** A 1-bit image: `stride` bytes per row, most significant bit first, 1 = black. */
export interface Bitmap {
  width: number;
  height: number;
  stride: number;
  rows: Uint8Array;
}

export function createBitmap(width: number, height: number): Bitmap {
  const stride = Math.ceil(width / 8);
  return { width, height, stride, rows: new Uint8Array(stride * height) };
}

/** Blackens dots `x0` ≤ x < `x1` of row `y` (clamped to the bitmap). */
export function fillSpan(bitmap: Bitmap, y: number, x0: number, x1: number): void {
  if (y < 0 || y >= bitmap.height) return;
  const from = Math.max(0, x0);
  const to = Math.min(bitmap.width, x1);
  const row = y * bitmap.stride;
  for (let x = from; x < to; x++) bitmap.rows[row + (x >> 3)]! |= 0x80 >> (x & 7);
}

/** A rectangle of whole dots: x0 ≤ x < x1, y0 ≤ y < y1. */
export interface DotBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A glyph outline command as fontkit's `Path.commands` holds it (not in its type declarations). */
interface PathCommand {
  command: 'moveTo' | 'lineTo' | 'quadraticCurveTo' | 'bezierCurveTo' | 'closePath';
  args: number[];
}

/** Segments a curve is cut into: at 14 pt and 300 dpi a DejaVu curve spans a few dots at most. */
const CURVE_STEPS = 8;

/**
 * One label font as the rasteriser sees it: measuring (for {@link fitText}, the same numbers pdf-lib
 * gives the PDF renderer), ink extents and flattened glyph outlines, each glyph flattened once.
 */
export class RasterFont implements TextMeasure {
  readonly ink: InkMeter;
  /** Distance from the top of a line to its baseline, and line height, per point (pdf-lib's values). */
  readonly ascent: number;
  readonly lineHeight: number;
  private readonly codePoints: ReadonlySet<number>;
  private readonly outlines = new Map<number, Float64Array[]>();
  private readonly scale: number;

  constructor(readonly font: FontkitFont) {
    this.ink = new InkMeter(font);
    this.codePoints = new Set(font.characterSet);
    this.scale = 1000 / font.unitsPerEm;
    // As pdf-lib's CustomFontEmbedder.heightOfFontAtSize computes them (descent subtracted unscaled).
    const { ascent, descent, bbox } = font;
    const height = (ascent || bbox.maxY) * this.scale - (descent || bbox.minY) * this.scale;
    this.lineHeight = height / 1000;
    this.ascent = (height - (Math.abs(descent) || 0)) / 1000;
  }

  static load(font: LabelFont): RasterFont {
    return new RasterFont(fontkit().create(fontBytes(font)));
  }

  widthOfTextAtSize(text: string, size: number): number {
    let total = 0;
    for (const glyph of this.font.layout(text).glyphs) total += glyph.advanceWidth * this.scale;
    return total * (size / 1000);
  }

  /** Fits user text as the PDF renderer's `FontEncoder.fit` does. */
  fit(text: string, maxWidth: number, sizes: { minSize: number; maxSize: number }): FittedText {
    const printable = replaceMissingGlyphs(text, this.codePoints);
    try {
      return fitText(printable, this, maxWidth, sizes);
    } catch {
      let out = '';
      for (const char of printable) {
        try {
          this.font.layout(char + char);
          out += char;
        } catch {
          out += '?';
        }
      }
      return fitText(out, this, maxWidth, sizes);
    }
  }

  /**
   * Fills `text` at `size` points with its baseline starting at (`x`, `baseline`) — in dots from the
   * bitmap's top-left, `dot` points per dot — keeping to `clip`. Glyphs advance by their advance
   * widths only, as a PDF `Tj` does.
   */
  draw(
    bitmap: Bitmap,
    text: string,
    size: number,
    x: number,
    baseline: number,
    dot: number,
    clip: DotBox,
  ): void {
    const unit = size / this.font.unitsPerEm / dot;
    const edges: number[] = [];
    let pen = x;
    for (const glyph of this.font.layout(text).glyphs) {
      for (const poly of this.outline(glyph)) {
        for (let i = 0; i + 3 < poly.length; i += 2) {
          edges.push(pen + poly[i]! * unit, baseline - poly[i + 1]! * unit);
          edges.push(pen + poly[i + 2]! * unit, baseline - poly[i + 3]! * unit);
        }
      }
      pen += glyph.advanceWidth * unit;
    }
    fillNonzero(bitmap, edges, clip);
  }

  /** Closed polygons (x, y pairs in font units, y up) of a glyph's outline. */
  private outline(glyph: Glyph): Float64Array[] {
    let polys = this.outlines.get(glyph.id);
    if (polys) return polys;
    polys = [];
    let current: number[] = [];
    let sx = 0;
    let sy = 0;
    let cx = 0;
    let cy = 0;
    const close = () => {
      if (current.length > 2) {
        current.push(sx, sy);
        polys!.push(Float64Array.from(current));
      }
      current = [];
    };
    const commands = (glyph.path as unknown as { commands: PathCommand[] }).commands;
    for (const { command, args } of commands) {
      if (command === 'moveTo') {
        close();
        [sx, sy] = [args[0]!, args[1]!];
        [cx, cy] = [sx, sy];
        current.push(sx, sy);
      } else if (command === 'lineTo') {
        [cx, cy] = [args[0]!, args[1]!];
        current.push(cx, cy);
      } else if (command === 'quadraticCurveTo') {
        const [qx, qy, ex, ey] = args as [number, number, number, number];
        for (let s = 1; s <= CURVE_STEPS; s++) {
          const t = s / CURVE_STEPS;
          const u = 1 - t;
          current.push(u * u * cx + 2 * u * t * qx + t * t * ex, u * u * cy + 2 * u * t * qy + t * t * ey);
        }
        [cx, cy] = [ex, ey];
      } else if (command === 'bezierCurveTo') {
        const [ax, ay, bx, by, ex, ey] = args as [number, number, number, number, number, number];
        for (let s = 1; s <= CURVE_STEPS; s++) {
          const t = s / CURVE_STEPS;
          const u = 1 - t;
          const [k0, k1, k2, k3] = [u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t];
          current.push(k0 * cx + k1 * ax + k2 * bx + k3 * ex, k0 * cy + k1 * ay + k2 * by + k3 * ey);
        }
        [cx, cy] = [ex, ey];
      } else {
        close();
      }
    }
    close();
    this.outlines.set(glyph.id, polys);
    return polys;
  }
}

/**
 * Nonzero-winding scanline fill of line segments (`x0 y0 x1 y1` quadruples, in dots): a dot is set
 * when its centre lies inside.
 */
function fillNonzero(bitmap: Bitmap, edges: number[], clip: DotBox): void {
  let top = Infinity;
  let bottom = -Infinity;
  for (let i = 1; i < edges.length; i += 2) {
    top = Math.min(top, edges[i]!);
    bottom = Math.max(bottom, edges[i]!);
  }
  const y0 = Math.max(clip.y0, Math.floor(top));
  const y1 = Math.min(clip.y1, Math.ceil(bottom));
  const crossings: { x: number; winding: number }[] = [];
  for (let y = y0; y < y1; y++) {
    const yc = y + 0.5;
    crossings.length = 0;
    for (let i = 0; i < edges.length; i += 4) {
      const ay = edges[i + 1]!;
      const by = edges[i + 3]!;
      if (ay === by || yc < Math.min(ay, by) || yc >= Math.max(ay, by)) continue;
      const ax = edges[i]!;
      const x = ax + ((yc - ay) * (edges[i + 2]! - ax)) / (by - ay);
      crossings.push({ x, winding: by > ay ? 1 : -1 });
    }
    crossings.sort((a, b) => a.x - b.x);
    let winding = 0;
    for (let i = 0; i < crossings.length; i++) {
      const before = winding;
      winding += crossings[i]!.winding;
      if (before === 0 && winding !== 0) {
        let j = i + 1;
        let w = winding;
        while (j < crossings.length && w !== 0) w += crossings[j++]!.winding;
        const end = crossings[j - 1]!.x;
        const from = Math.max(clip.x0, Math.ceil(crossings[i]!.x - 0.5));
        const to = Math.min(clip.x1, Math.ceil(end - 0.5));
        fillSpan(bitmap, y, from, to);
        winding = 0;
        i = j - 1;
      }
    }
  }
}

const fonts = new Map<LabelFont, RasterFont>();

/** The raster font for a label font, loaded once per process. */
export function rasterFont(font: LabelFont): RasterFont {
  let loaded = fonts.get(font);
  if (!loaded) {
    loaded = RasterFont.load(font);
    fonts.set(font, loaded);
  }
  return loaded;
}
