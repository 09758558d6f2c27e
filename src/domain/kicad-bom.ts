/**
 * Reads a BOM exported from KiCad as CSV — the grouped export (`kicad-cli sch export bom`, one row
 * per value/footprint with `R1, R2, R5-R7` references), the legacy python generators (with a
 * "Source:/Date:/Tool:" preamble), and one-row-per-reference exports — into BOM lines keyed by MPN.
 *
 * Pure: no database. Each data row either becomes part of a line, is skipped (DNP) or is rejected
 * with its line number and the reason.
 */
import { parse } from 'csv-parse/sync';
import { ValidationError } from './errors.ts';

export interface KicadBomLine {
  /** Line numbers in the file this BOM line was gathered from. */
  sourceLines: number[];
  mpn: string;
  manufacturer: string | null;
  value: string | null;
  footprint: string | null;
  description: string | null;
  quantity: number;
  designators: string[];
}

export interface RowProblem {
  line: number;
  reason: string;
}

export interface KicadBom {
  /** `grouped` when rows list several references, `per-reference` when each row lists one. */
  shape: 'grouped' | 'per-reference';
  lines: KicadBomLine[];
  rejected: RowProblem[];
  skipped: RowProblem[];
}

type Column =
  'reference' | 'value' | 'footprint' | 'quantity' | 'mpn' | 'manufacturer' | 'description' | 'dnp';

const ALIASES: Record<Column, string[]> = {
  reference: [
    'ref',
    'refs',
    'reference',
    'references',
    'designator',
    'designators',
    'refdes',
    'referencedesignator',
  ],
  value: ['value', 'val', 'comment'],
  footprint: ['footprint', 'package', 'pcbfootprint'],
  quantity: ['qty', 'qnty', 'quantity', 'quantityperpcb', 'count'],
  mpn: [
    'mpn',
    'manufacturerpartnumber',
    'mfrpartnumber',
    'mfrpn',
    'mfgpartnumber',
    'mpnnumber',
    'partnumber',
  ],
  manufacturer: ['manufacturer', 'mfr', 'mfg', 'manufacturername'],
  description: ['description', 'desc'],
  dnp: ['dnp', 'donotpopulate', 'dnf', 'exclude'],
};

const NOT_FITTED_VALUES = new Set(['dnp', 'dnf', 'nf', 'nofit', 'donotpopulate', 'donotfit']);
const TRUTHY = new Set(['1', 'x', 'yes', 'y', 'true', 'dnp', 'excluded', 'dnf']);
const DESIGNATOR = /^[A-Za-z][A-Za-z_]*\d+[A-Za-z0-9_.]*$/;
const RANGE = /^([A-Za-z][A-Za-z_]*)(\d+)-(?:\1)?(\d+)$/;
const MAX_RANGE = 10_000;

const normalizeHeader = (cell: string) => cell.toLowerCase().replace(/[^a-z0-9]/g, '');

function detectDelimiter(text: string): string {
  const firstLines = text.split(/\r?\n/, 12).join('\n');
  const counts = [',', ';', '\t'].map((d) => [d, firstLines.split(d).length] as const);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0]![0];
}

/** Expands `R1, R2 R5-R7;C3` into `R1 R2 R5 R6 R7 C3`; returns an error text for a bad token. */
export function expandDesignators(cell: string): { designators: string[] } | { error: string } {
  const designators: string[] = [];
  for (const token of cell.split(/[,;\s]+/).filter(Boolean)) {
    // Power flags and other virtual symbols (#PWR01, #FLG01) never reach a board.
    if (token.startsWith('#')) continue;
    const range = RANGE.exec(token);
    if (range) {
      const from = Number(range[2]);
      const to = Number(range[3]);
      if (to < from || to - from > MAX_RANGE) return { error: `'${token}' is not a usable range` };
      for (let n = from; n <= to; n++) designators.push(`${range[1]}${n}`);
      continue;
    }
    if (!DESIGNATOR.test(token)) return { error: `'${token}' is not a reference designator` };
    designators.push(token);
  }
  return { designators };
}

export function parseKicadBom(csvText: string): KicadBom {
  const text = csvText.replace(/^\uFEFF/, '');
  if (text.trim() === '') throw ValidationError.field('csv', 'the file is empty');
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      delimiter: detectDelimiter(text),
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw ValidationError.field(
      'csv',
      `cannot be read as CSV${line ? ` at line ${line}` : ''}: ${(error as Error).message}`,
    );
  }

  const headerIndex = records.findIndex(({ record }) =>
    record.some((cell) => ALIASES.reference.includes(normalizeHeader(cell))),
  );
  if (headerIndex < 0)
    throw ValidationError.field('csv', 'no header row with a Reference (or Ref/Designator) column');
  const header = records[headerIndex]!.record.map(normalizeHeader);
  const column = {} as Record<Column, number>;
  for (const key of Object.keys(ALIASES) as Column[])
    column[key] = header.findIndex((h) => ALIASES[key].includes(h));
  if (column.mpn < 0) throw ValidationError.field('csv', 'no MPN or Manufacturer_Part_Number column');

  const rejected: RowProblem[] = [];
  const skipped: RowProblem[] = [];
  const byMpn = new Map<string, KicadBomLine>();
  const designatorLine = new Map<string, number>();
  let multiReferenceRows = 0;

  for (const { record, info } of records.slice(headerIndex + 1)) {
    const line = info.lines;
    const cell = (c: Column) => (column[c] >= 0 ? (record[column[c]] ?? '').trim() : '');
    if (record.every((c) => c.trim() === '')) continue;

    const expanded = expandDesignators(cell('reference'));
    if ('error' in expanded) {
      rejected.push({ line, reason: expanded.error });
      continue;
    }
    const designators = expanded.designators;
    if (designators.length === 0 && cell('reference').startsWith('#')) {
      skipped.push({ line, reason: 'virtual symbol (power flag), not a component' });
      continue;
    }
    if (designators.length > 1) multiReferenceRows++;

    const value = cell('value');
    if (TRUTHY.has(cell('dnp').toLowerCase()) || NOT_FITTED_VALUES.has(normalizeHeader(value))) {
      skipped.push({ line, reason: 'marked do-not-populate' });
      continue;
    }

    const qtyText = cell('quantity');
    let quantity = designators.length;
    if (qtyText !== '') {
      if (!/^\d+$/.test(qtyText) || Number(qtyText) === 0) {
        rejected.push({ line, reason: `quantity '${qtyText}' is not a positive whole number` });
        continue;
      }
      quantity = Number(qtyText);
      if (designators.length > 0 && quantity !== designators.length) {
        rejected.push({
          line,
          reason: `quantity ${quantity} does not match the ${designators.length} references listed`,
        });
        continue;
      }
    }
    if (quantity === 0) {
      rejected.push({ line, reason: 'no references and no quantity' });
      continue;
    }

    const mpn = cell('mpn');
    if (mpn === '') {
      rejected.push({ line, reason: 'no MPN: the part cannot be matched or created' });
      continue;
    }
    if (mpn.length > 200) {
      rejected.push({ line, reason: 'MPN longer than 200 characters' });
      continue;
    }

    const repeated = designators.find((d) => designatorLine.has(d.toUpperCase()));
    if (repeated) {
      rejected.push({
        line,
        reason: `designator ${repeated} already appears on line ${designatorLine.get(repeated.toUpperCase())}`,
      });
      continue;
    }
    for (const d of designators) designatorLine.set(d.toUpperCase(), line);

    const key = mpn.toUpperCase();
    const existing = byMpn.get(key);
    if (existing) {
      existing.quantity += quantity;
      existing.designators.push(...designators);
      existing.sourceLines.push(line);
    } else {
      const orNull = (s: string) => (s === '' ? null : s.slice(0, 200));
      byMpn.set(key, {
        sourceLines: [line],
        mpn,
        manufacturer: orNull(cell('manufacturer')),
        value: orNull(value),
        footprint: orNull(cell('footprint')),
        description: orNull(cell('description')),
        quantity,
        designators: [...designators],
      });
    }
  }

  return {
    shape: multiReferenceRows > 0 ? 'grouped' : 'per-reference',
    lines: [...byMpn.values()],
    rejected,
    skipped,
  };
}
