/**
 * Geometry of a template at a printer resolution, and the page content that needs no font: where
 * each label of a page sits, and the 2D codes drawn there. Kept free of pdf-lib so worker threads can
 * load it cheaply.
 */
import { deflateSync } from 'node:zlib';
import { ValidationError } from '../domain/errors.ts';
import { encodeSymbol, gs1DataMatrixMatrix, matrixPath, type ModuleMatrix } from './symbols.ts';
import { PT_PER_MM, labelsPerPage, type LabelTemplate } from '../domain/label-templates.ts';

/**
 * Formats a number for a content stream: at most `decimals` decimals (3 = 1/1000 pt, plenty for
 * positions), no trailing zeros, no exponent.
 */
export function pdfNumber(value: number, decimals = 3): string {
  const scale = 10 ** decimals;
  return (Math.round(value * scale) / scale).toFixed(decimals).replace(/\.?0+$/, '');
}

/** One label of a page as the symbol stage sees it. */
export interface CodeCell {
  /** What the 2D code encodes, unless `gs1` is given. */
  url: string;
  /** A bracketed GS1 element string: the code is then a GS1 DataMatrix of it, whatever the template's. */
  gs1?: string;
  /** Position of the label in the whole render (0-based), for error messages. */
  index: number;
  /** Position of the label on its page (0-based, row by row). */
  cell: number;
}

/** Where a symbol of one size goes, in points from the label's top-left corner. */
interface SymbolPlacement {
  module: number;
  x: number;
  y: number;
}

export class LabelLayout {
  readonly pageWidth: number;
  readonly pageHeight: number;
  readonly perPage: number;
  /** One printer dot, in points. */
  private readonly dot: number;
  private readonly placements = new Map<number, SymbolPlacement>();

  constructor(
    readonly template: LabelTemplate,
    readonly dpi: number,
  ) {
    if (!(dpi >= 72 && dpi <= 2400)) throw new RangeError(`dpi must be between 72 and 2400, got ${dpi}`);
    this.dot = 72 / dpi;
    this.pageWidth = template.page.width * PT_PER_MM;
    this.pageHeight = template.page.height * PT_PER_MM;
    this.perPage = labelsPerPage(template);
  }

  /** Top-left corner of grid cell `cell`, in points from the page's top-left. */
  cellOrigin(cell: number): { left: number; top: number } {
    const { grid, label } = this.template;
    const column = cell % grid.columns;
    const row = Math.floor(cell / grid.columns);
    return {
      left: (grid.left + column * (label.width + grid.columnGap)) * PT_PER_MM,
      top: (grid.top + row * (label.height + grid.rowGap)) * PT_PER_MM,
    };
  }

  /**
   * Operators drawing a symbol in grid cell `cell`: one filled path in module units under a matrix
   * that scales a module to whole printer dots and puts its top-left corner on a dot boundary.
   */
  symbolOperators(matrix: ModuleMatrix, cell: number, index: number, field = 'url'): string {
    const placement = this.placement(matrix, index, field);
    const { left, top } = this.cellOrigin(cell);
    // Dots are counted from the page's top-left corner, where a printer starts its raster.
    const x = Math.round((left + placement.x) / this.dot) * this.dot;
    const y = this.pageHeight - Math.round((top + placement.y) / this.dot) * this.dot;
    // Six decimals: the module size is multiplied by up to ~150 modules, and an edge off by 1/100 of a
    // pixel is enough for a rasterizer to grey it.
    const m = pdfNumber(placement.module, 6);
    return `q ${m} 0 0 -${m} ${pdfNumber(x, 6)} ${pdfNumber(y, 6)} cm\n${matrixPath(matrix)}f\nQ\n`;
  }

  /** Module size in points for a symbol of this many modules (whole printer dots). */
  moduleSize(matrix: Pick<ModuleMatrix, 'width' | 'height'>): number {
    return this.placement(matrix, 0).module;
  }

  private placement(
    matrix: Pick<ModuleMatrix, 'width' | 'height'>,
    index: number,
    field = 'url',
  ): SymbolPlacement {
    const key = matrix.width * 65536 + matrix.height;
    let placement = this.placements.get(key);
    if (placement) return placement;
    const { box, quietZone, symbology, minModule } = this.template.code;
    const room = Math.min(
      (box.width * PT_PER_MM) / (matrix.width + 2 * quietZone),
      (box.height * PT_PER_MM) / (matrix.height + 2 * quietZone),
    );
    // The epsilon keeps an exact 9 dots from becoming 8.9999… and then 8.
    const dots = Math.floor(room / this.dot + 1e-9);
    if (dots < 1 || dots * this.dot < minModule * PT_PER_MM - 1e-9) {
      throw ValidationError.field(
        `items.${index}.${field}`,
        `too long for this template's ${field === 'gs1' ? 'GS1 DataMatrix' : symbology} code: ` +
          `its ${matrix.width}×${matrix.height} modules would be ` +
          `${pdfNumber(Math.max(dots, 1) * (this.dot / PT_PER_MM), 3)} mm in the ${box.width}×${box.height} mm box ` +
          `at ${this.dpi} dpi, under the ${minModule} mm a scanner needs`,
      );
    }
    const module = dots * this.dot;
    placement = {
      module,
      x: box.x * PT_PER_MM + (box.width * PT_PER_MM - matrix.width * module) / 2,
      y: box.y * PT_PER_MM + (box.height * PT_PER_MM - matrix.height * module) / 2,
    };
    this.placements.set(key, placement);
    return placement;
  }
}

/** A page's labels for the symbol stage: their codes, plus the page's text operators made earlier. */
export interface PageJob {
  cells: CodeCell[];
  text: string;
}

/**
 * The finished, compressed content stream of one page: every label's 2D code, then the text. This is
 * the expensive half of rendering (code encoding and compression), so it is what worker threads run.
 */
export function composePage(layout: LabelLayout, job: PageJob, compression: number): Uint8Array {
  let content = '';
  for (const { url, gs1, index, cell } of job.cells) {
    content +=
      gs1 === undefined
        ? layout.symbolOperators(encodeSymbol(layout.template.code.symbology, url), cell, index)
        : layout.symbolOperators(gs1DataMatrixMatrix(gs1, `items.${index}.gs1`), cell, index, 'gs1');
  }
  return deflateSync(content + job.text, { level: compression });
}
