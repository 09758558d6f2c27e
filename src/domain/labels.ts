/**
 * Label content as data: what a printed label says, independent of any template or renderer.
 *
 * Glossary
 * - **label**: a printable rendering of a lot or unit — a 2D code plus a few lines of text, laid out
 *   by a named template (see `src/domain/label-templates.ts`).
 * - **label content**: the facts one label shows ({@link LabelContent}); a renderer turns a stream of
 *   them into one PDF.
 * - **label field**: one text line a template may show ({@link LabelField}); the template decides which
 *   fields appear, this module decides what each field says.
 */
import { ValidationError, type FieldProblem } from './errors.ts';
import { gs1Hri, parseGs1 } from './gs1.ts';

/**
 * Renders label contents into a stored PDF; implemented with pdf-lib in `src/labels/stored.ts`. The
 * label use cases call it; it lives here so that the renderer, a lower layer, need not import them.
 */
export interface LabelRenderer {
  render(
    items: AsyncIterable<LabelContent>,
    options: {
      template: string;
      /** One of the template's resolutions. */
      dpi: number;
      total: number;
      fileKey: string;
      onProgress: (done: number) => Promise<void>;
    },
  ): Promise<{ pages: number; bytes: number }>;
}

/** What one label shows. The 2D code encodes `url`; the text lines are derived from the rest. */
export interface LabelContent {
  /** The object's ID code (10 characters), printed in clear so a person can type it. */
  code: string;
  /** `<PUBLIC_URL>/id/<code>` (see {@link labelUrl}): what the 2D code encodes. */
  url: string;
  /** Part name. */
  title: string;
  /** Integer serial number within the build, printed as `SN 0042`. */
  serial?: number;
  /** The project's formatted serial (e.g. `PX-2648-00042`); printed instead of `SN 0042` when given. */
  serialLabel?: string;
  /** ID code of the build the unit came from. */
  buildCode?: string;
  /** Date the label is about (the build's date), `YYYY-MM-DD`. */
  date?: string;
  /** A lot's quantity (lot labels; a unit's label has its serial instead). */
  quantity?: number;
  /** Who supplied the lot. */
  supplier?: string;
  /** The manufacturer's date code printed on the reel or bag (e.g. `2419`), as recorded. */
  dateCode?: string;
  /**
   * A GS1 element string in bracketed form, e.g. `(01)09501101530003(11)261207(21)42(10)7K3M9Q2R4T`:
   * when present the 2D code is a GS1 DataMatrix of it (FNC1 first, GS between variable-length
   * elements) instead of a code of `url`, with the bracketed text printed under it.
   */
  gs1?: string;
}

/**
 * The text lines a template can show, in the product's words; the `gs1-*` lines are the
 * human-readable interpretation of a GS1 code, one AI each (see {@link labelFieldText}).
 */
export const LABEL_FIELDS = [
  'title',
  'serial',
  'lot',
  'supplier',
  'code',
  'build',
  'gs1-gtin',
  'gs1-date',
  'gs1-serial',
  'gs1-lot',
] as const;
export type LabelField = (typeof LABEL_FIELDS)[number];

/** Digits a serial is padded to, so a roll of labels lines up (`SN 0007` … `SN 0042`). */
export const SERIAL_PAD = 4;

/**
 * The serial number as printed: `SN 0042`. Pads to four digits and grows beyond them (`SN 12345`)
 * rather than cutting, because a truncated serial would name a different unit.
 */
export function serialText(serial: number): string {
  if (!Number.isSafeInteger(serial) || serial < 0) {
    throw new RangeError(`serial must be a non-negative integer, got ${serial}`);
  }
  return `SN ${String(serial).padStart(SERIAL_PAD, '0')}`;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Checks one label's content arriving from outside the type system (a job payload, a generator over
 * database rows); `field` prefixes the problems' field names, e.g. `items.41`.
 */
export function validateLabelContent(content: LabelContent, field: string): void {
  const problems: FieldProblem[] = [];
  const text = (name: keyof LabelContent, value: unknown, optional: boolean) => {
    if (value === undefined && optional) return;
    if (typeof value !== 'string' || (!optional && value.trim() === '')) {
      problems.push({
        field: `${field}.${name}`,
        message: optional ? 'must be a string' : 'must be a non-empty string',
      });
    }
  };
  if (typeof content !== 'object' || content === null)
    throw ValidationError.field(field, 'must be an object');
  text('code', content.code, false);
  text('url', content.url, false);
  if (typeof content.title !== 'string')
    problems.push({ field: `${field}.title`, message: 'must be a string' });
  text('serialLabel', content.serialLabel, true);
  text('buildCode', content.buildCode, true);
  text('date', content.date, true);
  text('supplier', content.supplier, true);
  text('dateCode', content.dateCode, true);
  if (content.quantity !== undefined && !(Number.isSafeInteger(content.quantity) && content.quantity >= 0)) {
    problems.push({ field: `${field}.quantity`, message: 'must be a non-negative integer' });
  }
  if (typeof content.date === 'string' && !DATE.test(content.date)) {
    problems.push({ field: `${field}.date`, message: 'must be a date as YYYY-MM-DD' });
  }
  if (content.serial !== undefined && !(Number.isSafeInteger(content.serial) && content.serial >= 0)) {
    problems.push({ field: `${field}.serial`, message: 'must be a non-negative integer' });
  }
  text('gs1', content.gs1, true);
  if (typeof content.gs1 === 'string') {
    try {
      parseGs1(content.gs1, `${field}.gs1`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new ValidationError(problems);
}

/** Host names that only ever reach the machine they are typed on. */
function isLoopbackHost(host: string): boolean {
  const h = host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (/^127\.\d+\.\d+\.\d+$/.test(h) || h === '0.0.0.0') return true;
  if (h === '::1' || h === '::' || /^(0+:){7}0*1$/.test(h)) return true;
  return /^::ffff:(127\.\d+\.\d+\.\d+|7f[0-9a-f]{2}:[0-9a-f]{1,4})$/.test(h);
}

/**
 * What is wrong with printing codes that point at `publicUrl`, or null: a loopback address
 * (PUBLIC_URL left at its default `http://localhost:<port>`, or 127.0.0.1) opens nothing on the
 * phone or scanner that reads the label.
 */
export function publicUrlWarning(publicUrl: string): string | null {
  let host: string;
  try {
    host = new URL(publicUrl).hostname;
  } catch {
    return null;
  }
  if (!isLoopbackHost(host)) return null;
  return (
    `these labels' codes point at ${labelUrl(publicUrl, '…')}, a loopback address that only this ` +
    'server can open: a phone or scanner reading them reaches nothing. Set PUBLIC_URL to the address ' +
    'people reach buildtrace at and print them again.'
  );
}

/** The warnings a label run comes with (none when it does not know where its codes point). */
export function labelRunWarnings(run: { publicUrl: string | null }): string[] {
  const warning = run.publicUrl === null ? null : publicUrlWarning(run.publicUrl);
  return warning ? [warning] : [];
}

/** The address a label's 2D code points to; a trailing slash on the public URL is tolerated. */
export function labelUrl(publicUrl: string, code: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/id/${code}`;
}

/**
 * Label text arrives from users (part names, free fields): tabs, newlines and other control
 * characters would either render as boxes or break the one-line layout, so they become single spaces.
 */
export function cleanLabelText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\s]+/g, ' ').trim();
}

/**
 * The text one field shows for one label; `''` when the label has nothing to say there (the
 * renderer then leaves the line out).
 *
 * - `title`: the part name.
 * - `serial`: the formatted serial when the project defines one, else `SN 0042`.
 * - `lot`: a lot's quantity and date code, e.g. `Qty 2500 · DC 2419`.
 * - `supplier`: who supplied the lot.
 * - `code`: the ID code.
 * - `build`: build ID code and date, e.g. `B 7K3M9Q2R4T · 2026-11-29`.
 * - `gs1-gtin`, `gs1-date`, `gs1-serial`, `gs1-lot`: one AI of the GS1 element string as printed
 *   under GS1 rules, e.g. `(01)09501101530003`, `(21)S-00042`; '' without a GS1 code.
 */
export function labelFieldText(content: LabelContent, field: LabelField): string {
  switch (field) {
    case 'title':
      return cleanLabelText(content.title);
    case 'serial':
      if (content.serialLabel) return cleanLabelText(content.serialLabel);
      return content.serial === undefined ? '' : serialText(content.serial);
    case 'lot': {
      const parts: string[] = [];
      if (content.quantity !== undefined) parts.push(`Qty ${content.quantity}`);
      const dateCode = content.dateCode ? cleanLabelText(content.dateCode) : '';
      if (dateCode) parts.push(`DC ${dateCode}`);
      return parts.join(' · ');
    }
    case 'supplier':
      return content.supplier ? cleanLabelText(content.supplier) : '';
    case 'code':
      return cleanLabelText(content.code);
    case 'build': {
      const parts: string[] = [];
      if (content.buildCode) parts.push(`B ${cleanLabelText(content.buildCode)}`);
      if (content.date) parts.push(cleanLabelText(content.date));
      return parts.join(' · ');
    }
    case 'gs1-gtin':
    case 'gs1-date':
    case 'gs1-serial':
    case 'gs1-lot':
      return content.gs1 ? gs1Hri(content.gs1, GS1_FIELD_AIS[field]) : '';
  }
}

const GS1_FIELD_AIS = { 'gs1-gtin': '01', 'gs1-date': '11', 'gs1-serial': '21', 'gs1-lot': '10' } as const;

// Label runs: a PDF of labels, rendered by a worker.

/**
 * A run rendered to a PDF: queued → rendering → done | failed. A run sent to a printer: queued →
 * printing ⇄ paused → done (every label confirmed) | failed | cancelled.
 */
export const LABEL_RUN_STATUSES = [
  'queued',
  'rendering',
  'printing',
  'paused',
  'done',
  'failed',
  'cancelled',
] as const;
export type LabelRunStatus = (typeof LABEL_RUN_STATUSES)[number];

/**
 * The 2D code a run prints: `url`, a code of `<publicUrl>/id/<code>` (the template's QR or
 * DataMatrix; the default), or `gs1`, a GS1 DataMatrix of each device's UDI (`gs1` on its content).
 */
export const LABEL_SYMBOLS = ['url', 'gs1'] as const;
export type LabelSymbol = (typeof LABEL_SYMBOLS)[number];

/**
 * What a label run prints: a build's units (optionally some serial ranges; scrapped, cancelled and
 * disposed units only when `includeScrapped`), or lists of objects. Runs stored before ranges were
 * lists carry `serials: {first, last}`; the repository answers them as `ranges`.
 */
export type LabelSource =
  | {
      kind: 'build';
      buildId: number;
      buildCode: string;
      ranges?: { first: number; last: number }[];
      includeScrapped?: boolean;
    }
  | { kind: 'lots'; lotIds: number[] }
  | { kind: 'parts'; partIds: number[] }
  | { kind: 'locations'; locationIds: number[] };

export interface LabelRun {
  id: number;
  template: string;
  source: LabelSource;
  total: number;
  done: number;
  status: LabelRunStatus;
  fileKey: string | null;
  bytes: number | null;
  pages: number | null;
  error: string | null;
  requestedBy: string;
  /** Printer resolution the run renders at; null on runs requested before it could be chosen. */
  dpi: number | null;
  /** Where its 2D codes point (`<publicUrl>/id/<code>`); null on runs requested before it was kept. */
  publicUrl: string | null;
  /** The printer it is sent to; null for a run rendered to a PDF. */
  printerId: number | null;
  /** Labels the printer confirmed printed (print runs). */
  printed: number;
  /** Why a paused run paused: a printer state, `in-doubt`, `disabled` or `requested`. */
  pausedState: string | null;
  /** What a paused run says to people ("Zebra line 2: out of labels — 120 of 500 printed"). */
  pausedReason: string | null;
  pausedAt: Date | null;
  /** The run this one prints again, with who asked (`requestedBy`) and why (`reason`). */
  reprintOf: number | null;
  reason: string | null;
  /** What asked for it: null for a person, `auto:build` / `auto:lot` for automatic printing. */
  trigger: string | null;
  /** The 2D code it prints ('url' on runs requested before GS1 codes could be asked for). */
  symbol: LabelSymbol;
  createdAt: Date;
  finishedAt: Date | null;
}

/** One label's data before the public URL is added (`key` orders the labels of a run). */
export interface LabelItem extends Omit<LabelContent, 'url'> {
  key: number;
}
