/**
 * Reads a BOM exported from KiCad as CSV — the grouped export (`kicad-cli sch export bom`, one row
 * per value/footprint with `R1, R2, R5-R7` references), the legacy python generators (with a
 * "Source:/Date:/Tool:" preamble), and one-row-per-reference exports — into BOM lines keyed by MPN.
 *
 * Pure: no database. Each data row either becomes part of a line, is skipped (DNP, power flags, and
 * mounting holes, mechanical items, fiducials and test points that have no MPN) or is rejected with
 * its line number and the reason. The MPN comes from the MPN column, or from the columns the caller
 * names (`mpnColumns`: the first with a value wins, e.g. `MPN` then `LCSC`); look-alike characters in
 * it are normalised with a warning. Datasheet, Characteristics and supplier part number columns (LCSC,
 * JLCPCB, Digi-Key, Mouser, or those named in `supplierColumns`) are kept as part fields, under the
 * column's name as the file writes it.
 */
import { parse } from 'csv-parse/sync';
import { ValidationError } from './errors.ts';
import { normalizeMpn } from './mpn.ts';
import type { Fields } from './types.ts';

export interface KicadBomLine {
  /** Line numbers in the file this BOM line was gathered from. */
  sourceLines: number[];
  mpn: string;
  manufacturer: string | null;
  value: string | null;
  footprint: string | null;
  description: string | null;
  /** Datasheet, characteristics and supplier part numbers, keyed by the column's name in the file. */
  fields: Fields;
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
  /** Rows imported with a change the file did not have (look-alike characters in an MPN). */
  warnings: RowProblem[];
}

export interface KicadBomOptions {
  /** Columns to read the MPN from, in order of preference (default: the MPN column). */
  mpnColumns?: readonly string[] | undefined;
  /** Further columns holding supplier part numbers, kept as part fields. */
  supplierColumns?: readonly string[] | undefined;
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

/** Columns kept as part fields when present (besides those the caller names). */
const FIELD_COLUMNS = new Set([
  'datasheet',
  'characteristics',
  'lcsc',
  'lcscpart',
  'lcscpartnumber',
  'lcscpn',
  'jlcpcb',
  'jlcpcbpart',
  'jlcpcbpartnumber',
  'digikey',
  'digikeypn',
  'digikeypart',
  'digikeypartnumber',
  'mouser',
  'mouserpn',
  'mouserpart',
  'mouserpartnumber',
]);

/** Reference prefixes of things on a board that are not parts, when their row names no MPN. */
const NOT_PARTS: Record<string, string> = {
  H: 'mounting hole',
  MH: 'mounting hole',
  MK: 'mechanical item',
  FID: 'fiducial',
  TP: 'test point',
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

/** What a row of these designators is when it is not a part (all of them mounting holes, …), or null. */
function notAPart(designators: readonly string[]): string | null {
  const kinds = designators.map((d) => NOT_PARTS[/^[A-Za-z_]+/.exec(d)![0].toUpperCase()]);
  return designators.length > 0 && kinds.every(Boolean) ? kinds[0]! : null;
}

export function parseKicadBom(csvText: string, options: KicadBomOptions = {}): KicadBom {
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
  const names = records[headerIndex]!.record;
  const header = names.map(normalizeHeader);
  const column = {} as Record<Column, number>;
  for (const key of Object.keys(ALIASES) as Column[])
    column[key] = header.findIndex((h) => ALIASES[key].includes(h));
  const columnsText = names.filter((n) => n !== '').join(', ');
  const named = (field: string, list: readonly string[] | undefined) =>
    (list ?? []).map((wanted, i) => {
      const index = header.indexOf(normalizeHeader(wanted));
      if (index < 0 || normalizeHeader(wanted) === '')
        throw ValidationError.field(
          `${field}.${i}`,
          `no column '${wanted}' in the file (its columns: ${columnsText})`,
        );
      return index;
    });
  const mpnColumns = named('mpnColumns', options.mpnColumns);
  if (mpnColumns.length === 0 && column.mpn >= 0) mpnColumns.push(column.mpn);
  if (mpnColumns.length === 0)
    throw ValidationError.field(
      'csv',
      `no MPN or Manufacturer_Part_Number column; name the column to use with mpnColumns (the file's columns: ${columnsText})`,
    );
  const noMpn = options.mpnColumns?.length
    ? `no MPN (${mpnColumns.length === 1 ? 'column' : 'columns'} ${mpnColumns.map((i) => names[i]).join(', ')} ${mpnColumns.length === 1 ? 'is' : 'are'} empty)`
    : 'no MPN: the part cannot be matched or created';
  const fieldColumns = [
    ...new Set([
      ...header.flatMap((h, i) => (FIELD_COLUMNS.has(h) ? [i] : [])),
      ...named('supplierColumns', options.supplierColumns),
    ]),
  ];

  const rejected: RowProblem[] = [];
  const skipped: RowProblem[] = [];
  const warnings: RowProblem[] = [];
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
    const rawMpn = mpnColumns.map((i) => (record[i] ?? '').trim()).find((m) => m !== '') ?? '';
    const notPart = rawMpn === '' ? notAPart(designators) : null;
    if (notPart) {
      skipped.push({ line, reason: `${notPart}, not a part (no MPN)` });
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

    const { mpn, replaced } = normalizeMpn(rawMpn);
    if (mpn === '') {
      rejected.push({ line, reason: noMpn });
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
    if (replaced.length > 0)
      warnings.push({
        line,
        reason: `MPN '${rawMpn}' had look-alike characters (${replaced.join(', ')}): imported as '${mpn}'`,
      });

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
        fields: Object.fromEntries(
          fieldColumns
            .map((i) => [names[i]!.slice(0, 100), (record[i] ?? '').trim().slice(0, 2000)] as const)
            // KiCad writes '~' for "no datasheet".
            .filter(([, v]) => v !== '' && v !== '~'),
        ),
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
    warnings,
  };
}
