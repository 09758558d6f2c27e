/**
 * Label templates as data. A template says where things go on a label, never how to draw them; the
 * renderer (`src/labels/render.ts`) reads these fields and nothing else, so a new label stock is a new entry here.
 *
 * Conventions
 * - Lengths are millimetres, measured from the top-left corner of the page (grid) or of the label
 *   (code box, text box) — the way label stock is specified on its packaging.
 * - Font sizes are points.
 * - `dpis` are the printer resolutions the template is laid out for, the default first. The 2D code
 *   is snapped to the one a run uses: a module is a whole number of printer dots and starts on a dot
 *   boundary, so a thermal head never prints one module 3 dots wide and the next 4. Sheet labels use
 *   300 dpi, which is also whole at 600 and 1200 dpi.
 * - The code box includes the code's quiet zone (`quietZone` modules of blank on each side). The
 *   symbol is as large as the box allows at whole dots and is centred in it.
 */
import type { LabelField } from './labels.ts';

export type Symbology = 'qr' | 'datamatrix';

/** The embedded fonts: DejaVu Sans Condensed (regular, bold) and DejaVu Sans Mono for ID codes. */
export type LabelFont = 'regular' | 'bold' | 'mono';

/** A rectangle in millimetres from the label's top-left corner. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One line of text: which field it shows and the font sizes it may be fitted between. */
export interface TextLineSpec {
  field: LabelField;
  font: LabelFont;
  /** Size used when the text fits; shrunk towards `minSize` when it does not. */
  maxSize: number;
  /** Below this size the text is cut and ends with '…' instead. */
  minSize: number;
}

export interface LabelTemplate {
  /** What stock this is, for people picking a template. */
  description: string;
  page: { width: number; height: number };
  label: { width: number; height: number };
  /** Labels per page: `columns × rows`, the first label's offset and the gaps between labels. */
  grid: { columns: number; rows: number; left: number; top: number; columnGap: number; rowGap: number };
  /**
   * Printer resolutions (dots per inch) the template is laid out for; the first is the default. A
   * label run may ask for any of them, and the 2D code snaps to that one.
   */
  dpis: readonly [number, ...number[]];
  /**
   * `minModule`: the smallest module (mm) a scanner reads reliably on this stock; a URL so long that
   * its code would need smaller modules is refused rather than printed unreadable.
   */
  code: { symbology: Symbology; quietZone: number; minModule: number; box: Box };
  /**
   * Lines are laid out top to bottom in this box; lines whose field is empty are left out. A label
   * with a GS1 code shows `gs1Lines` instead: its human-readable interpretation, one AI a line, in
   * a monospaced font sized so that a 20-character serial or lot fits uncut. A template without
   * them shows its usual `lines` beside a GS1 code.
   */
  text: { box: Box; lines: readonly TextLineSpec[]; gs1Lines?: readonly TextLineSpec[] } | null;
}

const single = (width: number, height: number) => ({
  page: { width, height },
  label: { width, height },
  grid: { columns: 1, rows: 1, left: 0, top: 0, columnGap: 0, rowGap: 0 },
});

export const LABEL_TEMPLATES = {
  /*
   * Brother QL die-cut 62 × 29 mm (DK-11209), 300 dpi. The printer cannot print within 1.5 mm of
   * the sides and 3 mm of the top and bottom (696 × 271 printable dots of 732 × 341); the code's
   * quiet zone lies in that margin, the text stays out of it.
   */
  'brother-62x29': {
    description: 'Brother QL die-cut 62 × 29 mm (DK-11209), one label per page, QR code',
    ...single(62, 29),
    dpis: [300],
    code: { symbology: 'qr', quietZone: 4, minModule: 0.3, box: { x: 0, y: 0, width: 29, height: 29 } },
    text: {
      box: { x: 29, y: 3, width: 31.5, height: 23 },
      lines: [
        { field: 'title', font: 'bold', maxSize: 11, minSize: 6.5 },
        { field: 'serial', font: 'bold', maxSize: 14, minSize: 8 },
        { field: 'lot', font: 'bold', maxSize: 8, minSize: 6 },
        { field: 'supplier', font: 'regular', maxSize: 6.5, minSize: 5.5 },
        { field: 'code', font: 'mono', maxSize: 9, minSize: 7 },
        { field: 'build', font: 'regular', maxSize: 7, minSize: 5.5 },
      ],
      gs1Lines: [
        { field: 'title', font: 'bold', maxSize: 11, minSize: 6.5 },
        { field: 'gs1-gtin', font: 'mono', maxSize: 8, minSize: 6 },
        { field: 'gs1-date', font: 'mono', maxSize: 8, minSize: 6 },
        { field: 'gs1-serial', font: 'mono', maxSize: 8, minSize: 6 },
        { field: 'gs1-lot', font: 'mono', maxSize: 8, minSize: 6 },
        { field: 'code', font: 'mono', maxSize: 9, minSize: 7 },
      ],
    },
  },
  /*
   * Zebra direct thermal / thermal transfer 2 × 1 inch. Heads come in 203 and 300 dpi; 203 is the
   * common one. The boxes fit both: at 300 dpi the QR modules are 7 dots (0.593 mm) instead of 4.
   */
  'zebra-2x1in': {
    description: 'Zebra 2 × 1 in (50.8 × 25.4 mm), one label per page, QR code; 203 or 300 dpi',
    ...single(50.8, 25.4),
    dpis: [203, 300],
    code: { symbology: 'qr', quietZone: 4, minModule: 0.3, box: { x: 0.5, y: 1.2, width: 23, height: 23 } },
    text: {
      box: { x: 23.5, y: 1.5, width: 26.3, height: 22.4 },
      lines: [
        // Regular rather than bold: a 24-character part name still fits at 6 pt on this narrow label.
        { field: 'title', font: 'regular', maxSize: 9, minSize: 6 },
        { field: 'serial', font: 'bold', maxSize: 11, minSize: 7 },
        { field: 'lot', font: 'bold', maxSize: 7.5, minSize: 5.5 },
        { field: 'supplier', font: 'regular', maxSize: 6, minSize: 5 },
        { field: 'code', font: 'mono', maxSize: 8, minSize: 6 },
        { field: 'build', font: 'regular', maxSize: 6.5, minSize: 5 },
      ],
      gs1Lines: [
        { field: 'title', font: 'regular', maxSize: 9, minSize: 6 },
        { field: 'gs1-gtin', font: 'mono', maxSize: 7, minSize: 5 },
        { field: 'gs1-date', font: 'mono', maxSize: 7, minSize: 5 },
        { field: 'gs1-serial', font: 'mono', maxSize: 7, minSize: 5 },
        { field: 'gs1-lot', font: 'mono', maxSize: 7, minSize: 5 },
        { field: 'code', font: 'mono', maxSize: 8, minSize: 6 },
      ],
    },
  },
  /*
   * A4 sheet of 24 labels, 70 × 37 mm, 3 columns × 8 rows, no gaps: Avery Zweckform 3474 (sheet
   * margins 0 left/right, 0.5 mm top/bottom). Office printers leave ~4–5 mm at the paper edge
   * unprinted, so the symbol and text keep ≥ 5 mm from the sheet's edges.
   */
  'a4-3x8': {
    description: 'A4 sheet, 24 labels of 70 × 37 mm (3 × 8, Avery Zweckform 3474), QR code',
    page: { width: 210, height: 297 },
    label: { width: 70, height: 37 },
    grid: { columns: 3, rows: 8, left: 0, top: 0.5, columnGap: 0, rowGap: 0 },
    dpis: [300],
    code: { symbology: 'qr', quietZone: 4, minModule: 0.3, box: { x: 3, y: 4.5, width: 28, height: 28 } },
    text: {
      box: { x: 31.5, y: 4.5, width: 33.5, height: 28 },
      lines: [
        { field: 'title', font: 'bold', maxSize: 12, minSize: 7 },
        { field: 'serial', font: 'bold', maxSize: 14, minSize: 8 },
        { field: 'lot', font: 'bold', maxSize: 10, minSize: 7 },
        { field: 'supplier', font: 'regular', maxSize: 8, minSize: 6 },
        { field: 'code', font: 'mono', maxSize: 10, minSize: 7 },
        { field: 'build', font: 'regular', maxSize: 8, minSize: 6 },
      ],
      gs1Lines: [
        { field: 'title', font: 'bold', maxSize: 12, minSize: 7 },
        { field: 'gs1-gtin', font: 'mono', maxSize: 9, minSize: 6.5 },
        { field: 'gs1-date', font: 'mono', maxSize: 9, minSize: 6.5 },
        { field: 'gs1-serial', font: 'mono', maxSize: 9, minSize: 6.5 },
        { field: 'gs1-lot', font: 'mono', maxSize: 9, minSize: 6.5 },
        { field: 'code', font: 'mono', maxSize: 10, minSize: 7 },
      ],
    },
  },
  /*
   * 12 × 12 mm polyimide PCB label, 600 dpi thermal transfer. Too small for readable text next to a
   * scannable code: DataMatrix only (1-module quiet zone per ISO/IEC 16022), kept 0.5 mm clear of the
   * die-cut edge for the printer's registration tolerance.
   */
  'pcb-12x12': {
    description: 'PCB label 12 × 12 mm, one label per page, DataMatrix only (no text)',
    ...single(12, 12),
    dpis: [600],
    code: {
      symbology: 'datamatrix',
      quietZone: 1,
      minModule: 0.25,
      box: { x: 0.5, y: 0.5, width: 11, height: 11 },
    },
    text: null,
  },
} as const satisfies Record<string, LabelTemplate>;

export type TemplateName = keyof typeof LABEL_TEMPLATES;
export const TEMPLATE_NAMES = Object.keys(LABEL_TEMPLATES) as TemplateName[];

export function isTemplateName(name: string): name is TemplateName {
  return Object.hasOwn(LABEL_TEMPLATES, name);
}

/** The template of that name; throws a message listing the names that exist. */
export function getTemplate(name: string): LabelTemplate {
  if (!isTemplateName(name)) {
    throw new RangeError(`unknown label template '${name}'; use one of ${TEMPLATE_NAMES.join(', ')}`);
  }
  return LABEL_TEMPLATES[name];
}

/** The resolution a template renders at unless asked for another: its first. */
export function defaultDpi(template: LabelTemplate): number {
  return template.dpis[0];
}

/** Whether the template is laid out for that printer resolution. */
export function supportsDpi(template: LabelTemplate, dpi: number): boolean {
  return template.dpis.includes(dpi);
}

/** Labels on one page of the template. */
export function labelsPerPage(template: LabelTemplate): number {
  return template.grid.columns * template.grid.rows;
}

export const PT_PER_MM = 72 / 25.4;
