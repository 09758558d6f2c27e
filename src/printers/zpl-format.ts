/**
 * Labels as native ZPL II: one `^XA … ^XZ` format per label, the 2D code as a ZPL barcode field
 * (`^BQ` QR, `^BX` DataMatrix) and the text lines as scalable-font fields, all placed from the same
 * template geometry the PDF renderer uses. Pure functions: no I/O.
 *
 * - The code is snapped exactly as {@link LabelLayout} snaps it for the PDF: a module is
 *   `floor(room / dot)` whole printer dots, the symbol centred in the template's code box (quiet zone
 *   included), its corner on a dot. Two differences: the QR is laid out for the symbol a Zebra draws
 *   for `^FDMA,` (the URL as one byte segment, sometimes a version larger than the PDF's, see
 *   {@link zplQrSize}), and `^BQ` magnification stops at 10 dots.
 * - Field data goes through `^FH_` hex escapes (`^`, `~`, `_`, control and non-ASCII bytes), and every
 *   format starts with `^CI28`, so the bytes are read as UTF-8.
 * - Every format carries its own setup (`^PW`, `^LL`, `^LH0,0`, `^PQ1`): a format is self-contained,
 *   so a printer that lost the first one of a batch still prints the rest right.
 */
import { ValidationError } from '../domain/errors.ts';
import { PT_PER_MM, supportsDpi, type LabelTemplate } from '../domain/label-templates.ts';
import { labelFieldText, validateLabelContent, type LabelContent } from '../domain/labels.ts';
import QRCode from 'qrcode';
import { LabelLayout } from '../labels/layout.ts';
import { dataMatrixMatrix, gs1DataMatrixMatrix, type ModuleMatrix } from '../labels/symbols.ts';
import { gs1Encoded } from '../domain/gs1.ts';
import { fitZplText } from './zpl-text.ts';

/** ZPL's `^BQ` magnification is 1 to 10 dots per module. */
export const QR_MAX_MAGNIFICATION = 10;
/**
 * A `^BQ` QR code is drawn 10 dots below its `^FO` origin, whatever the magnification (measured with
 * Zebrash, the independent renderer the tests use, which models Zebra printers here; not checked on a
 * printer): the field origin is raised by that much so the symbol lands where the layout put it.
 */
export const QR_TOP_OFFSET = 10;
/** The escape character of a GS1 `^BX` field: outside GS1's character set 82, so never in data. */
export const GS1_ESCAPE = '#';

/** Where a 2D code goes on the label, in printer dots. */
export interface ZplCodePlacement {
  /** Module size in dots (for QR the `^BQ` magnification). */
  module: number;
  /** Symbol's top-left corner, dots from the label's top-left. */
  x: number;
  y: number;
  /** Symbol size in modules. */
  modules: { width: number; height: number };
}

/** Millimetres to whole dots. */
export function mmToDots(mm: number, dpi: number): number {
  return Math.round((mm * dpi) / 25.4);
}

/**
 * Checks that the template and resolution can go to a ZPL printer: one label per page (a roll), at
 * one of the template's resolutions. `field` names the input in the error.
 */
export function checkZplTemplate(template: LabelTemplate, dpi: number, field = 'template'): void {
  const { grid, page, label } = template;
  if (grid.columns !== 1 || grid.rows !== 1 || page.width !== label.width || page.height !== label.height) {
    throw ValidationError.field(field, 'is a sheet of labels; a ZPL printer prints labels on a roll');
  }
  if (!supportsDpi(template, dpi)) {
    throw ValidationError.field('dpi', `must be one of ${template.dpis.join(', ')} for this template`);
  }
}

/**
 * The code's placement: the module from {@link LabelLayout} (the PDF's snapping, capped for `^BQ`),
 * the symbol centred in the code box and rounded to whole dots.
 */
export function zplCodePlacement(
  template: LabelTemplate,
  dpi: number,
  matrix: Pick<ModuleMatrix, 'width' | 'height'>,
  symbology: 'qr' | 'datamatrix',
): ZplCodePlacement {
  const dot = 72 / dpi;
  let module = Math.round(new LabelLayout(template, dpi).moduleSize(matrix) / dot);
  if (symbology === 'qr') module = Math.min(module, QR_MAX_MAGNIFICATION);
  const { box } = template.code;
  const dotsPerPt = dpi / 72;
  const x = Math.round((box.x + box.width / 2) * PT_PER_MM * dotsPerPt - (matrix.width * module) / 2);
  const y = Math.round((box.y + box.height / 2) * PT_PER_MM * dotsPerPt - (matrix.height * module) / 2);
  return { module, x, y, modules: { width: matrix.width, height: matrix.height } };
}

/** `^FH_` escaping: `^`, `~`, `_`, control characters and every non-ASCII byte (UTF-8) as `_XX`. */
export function zplEscape(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 0x20 && code < 0x7f && char !== '^' && char !== '~' && char !== '_') {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8'))
      out += `_${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * A URL as a DataMatrix's data on a Zebra: `^BX` quality 200 treats `~` as its escape character, and
 * takes ASCII; `~` and non-ASCII characters are percent-encoded (the same URL, RFC 3986 §2).
 */
export function dataMatrixUrl(url: string): string {
  let out = '';
  for (const char of url) {
    const code = char.codePointAt(0)!;
    if (code > 0x20 && code < 0x7f && char !== '~') out += char;
    else
      for (const byte of Buffer.from(char, 'utf8'))
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Size in modules of the QR code a Zebra draws for `^FDMA,<url>`: error correction M, the URL as
 * 8-bit bytes in one segment (automatic input does not split a URL into alphanumeric and byte
 * segments the way the PDF's encoder does, so its symbol can be a version larger; Zebrash agrees).
 */
export function zplQrSize(url: string): { width: number; height: number } {
  const { modules } = QRCode.create([{ data: Buffer.from(url, 'utf8'), mode: 'byte' }], {
    errorCorrectionLevel: 'M',
  });
  return { width: modules.size, height: modules.size };
}

interface CodeField {
  zpl: string;
  placement: ZplCodePlacement;
}

function codeField(template: LabelTemplate, dpi: number, content: LabelContent): CodeField {
  if (content.gs1 !== undefined) {
    const size = gs1DataMatrixMatrix(content.gs1);
    const p = zplCodePlacement(template, dpi, size, 'datamatrix');
    const data = gs1Encoded(content.gs1, `${GS1_ESCAPE}1`);
    return {
      placement: p,
      zpl: `^FO${p.x},${p.y}^BXN,${p.module},200,0,0,6,${GS1_ESCAPE}^FD${data}^FS`,
    };
  }
  if (template.code.symbology === 'qr') {
    const p = zplCodePlacement(template, dpi, zplQrSize(content.url), 'qr');
    const y = Math.max(0, p.y - QR_TOP_OFFSET);
    return { placement: p, zpl: `^FO${p.x},${y}^BQN,2,${p.module}^FH_^FDMA,${zplEscape(content.url)}^FS` };
  }
  const data = dataMatrixUrl(content.url);
  const p = zplCodePlacement(template, dpi, dataMatrixMatrix(data), 'datamatrix');
  return { placement: p, zpl: `^FO${p.x},${p.y}^BXN,${p.module},200^FH_^FD${zplEscape(data)}^FS` };
}

/** The text lines of one label: `^FO`, `^A0N`, `^FB` and escaped `^FD` per line. */
function textFields(template: LabelTemplate, dpi: number, content: LabelContent): string {
  const text = template.text;
  if (!text) return '';
  // A GS1 label shows the template's GS1 lines (one AI a line), as the PDF does.
  const specs = content.gs1 !== undefined && text.gs1Lines ? text.gs1Lines : text.lines;
  const lines = specs
    .map((spec) => ({ spec, value: labelFieldText(content, spec.field) }))
    .filter((l) => l.value !== '');
  if (lines.length === 0) return '';
  const box = {
    x: mmToDots(text.box.x, dpi),
    y: mmToDots(text.box.y, dpi),
    width: mmToDots(text.box.width, dpi),
    height: mmToDots(text.box.height, dpi),
  };
  const fitted = lines.map(({ spec, value }) => ({ spec, ...fitZplText(value, box.width, spec, dpi) }));
  // A line is as tall as its largest size (a shrunk line keeps its place); spare height goes between
  // the lines (at most 2 mm each) and the block is centred in the box, as in the PDF.
  const heights = fitted.map((l) => Math.round((l.spec.maxSize * dpi) / 72));
  const spare = box.height - heights.reduce((a, b) => a + b, 0);
  const gap = fitted.length > 1 ? Math.max(0, Math.min(spare / (fitted.length - 1), mmToDots(2, dpi))) : 0;
  let y = box.y + Math.max(0, (spare - gap * (fitted.length - 1)) / 2);
  let out = '';
  fitted.forEach((line, i) => {
    // Baseline-aligned within the line's height: a smaller size sits at the bottom of its line.
    const top = Math.round(y + heights[i]! - line.height);
    out += `^FO${box.x},${top}^A0N,${line.height},${line.height}^FB${box.width},1,0,L,0^FH_^FD${zplEscape(line.text)}^FS\n`;
    y += heights[i]! + gap;
  });
  return out;
}

/** One label as a complete ZPL format (`^XA … ^XZ`); `comment` becomes a `^FX` line. */
export function zplLabel(
  template: LabelTemplate,
  dpi: number,
  content: LabelContent,
  options: { comment?: string; field?: string } = {},
): string {
  const field = options.field ?? 'label';
  checkZplTemplate(template, dpi);
  validateLabelContent(content, field);
  const width = mmToDots(template.label.width, dpi);
  const length = mmToDots(template.label.height, dpi);
  let code: CodeField;
  try {
    code = codeField(template, dpi, content);
  } catch (error) {
    if (error instanceof ValidationError) {
      const name = content.gs1 !== undefined ? 'gs1' : 'url';
      throw new ValidationError(
        error.problems.map((p) => ({ field: `${field}.${name}`, message: p.message })),
      );
    }
    throw error;
  }
  const comment = options.comment ? `^FX${options.comment.replace(/[\^~\r\n]/g, ' ')}\n` : '';
  return (
    `^XA\n${comment}^CI28^PW${width}^LL${length}^LH0,0^PQ1\n` +
    `${code.zpl}\n${textFields(template, dpi, content)}^XZ\n`
  );
}

/**
 * A batch of labels as ZPL, one format per label; `key` (the batch's key) goes in a `^FX` comment of
 * the first format, so the batch can be recognised in a printer's capture or log.
 */
export function zplLabels(
  template: LabelTemplate,
  dpi: number,
  contents: readonly LabelContent[],
  options: { key?: string } = {},
): string {
  return contents
    .map((content, i) =>
      zplLabel(template, dpi, content, {
        field: `labels.${i}`,
        comment: i === 0 && options.key ? `batch ${options.key}` : undefined,
      }),
    )
    .join('');
}
