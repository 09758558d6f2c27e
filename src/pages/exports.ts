/**
 * CSV exports (RFC 4180, `src/domain/csv.ts`: a cell a spreadsheet would run as a formula gets a
 * leading `'`): a build's units (`/id/<build code>/units.csv`) and the component lots it consumed
 * (`/id/<build code>/consumption.csv`), and the lots of `/lots` with the same filters (`/lots.csv`).
 * Long lists are read and written a page at a time, waiting for the reader, so 100,000 units never
 * sit in memory. A stranger gets the sign-in page (401), never the data.
 */
import { once } from 'node:events';
import type { Request, Response, Router } from 'express';
import { getBuildConsumption, listUnits } from '../commands/builds.ts';
import { listLots } from '../commands/lots.ts';
import { csvLine } from '../domain/csv.ts';
import { parseIdCode } from '../domain/id-code.ts';
import type { Lot } from '../domain/types.ts';
import { streamed, type Outcome, type PageKit } from './kit.ts';
import { LOT_FILTERS, filtersOf, lotsInput } from './lists.ts';
import { badLinkPage, signInPage } from './not-found.ts';

/** Rows read per command call while exporting (the most a page of the API holds). */
const EXPORT_PAGE_SIZE = 500;

type Page<T> = { items: T[]; nextCursor: string | null };

/** Every item of a paged list, a page at a time, starting from a page already read. */
async function* pages<T>(first: Page<T>, next: (cursor: string) => Promise<Page<T>>): AsyncGenerator<T> {
  let page = first;
  for (;;) {
    yield* page.items;
    if (!page.nextCursor) return;
    page = await next(page.nextCursor);
  }
}

/**
 * Writes a CSV download: the header, then each row, waiting while the reader is behind; stops when
 * the reader goes away.
 */
async function sendCsv(
  res: Response,
  filename: string,
  header: readonly string[],
  rows: AsyncIterable<readonly unknown[]> | Iterable<readonly unknown[]>,
): Promise<Outcome> {
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8; header=present');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.write(csvLine(header));
  const closed = once(res, 'close').catch(() => undefined);
  for await (const row of rows) {
    if (res.destroyed) return streamed();
    if (!res.write(csvLine(row))) await Promise.race([once(res, 'drain'), closed]);
  }
  res.end();
  return streamed();
}

const LOT_COLUMNS = [
  'code',
  'part',
  'status',
  'quantity',
  'reserved',
  'location',
  'supplier',
  'supplier_order',
  'date_code',
  'expires_on',
  'build',
  'serial',
  'serial_label',
  'source',
  'created_at',
] as const;

const lotCells = (l: Lot) => [
  l.code,
  l.partCode,
  l.status,
  l.quantity,
  l.reserved,
  l.locationCode,
  l.supplier,
  l.supplierOrder,
  l.dateCode,
  l.expiresOn,
  l.buildCode,
  l.serial,
  l.serialLabel,
  l.source,
  l.createdAt,
];

const UNIT_COLUMNS = [
  'serial',
  'serial_label',
  'code',
  'status',
  'location',
  'quantity',
  'part',
  'created_at',
  'updated_at',
] as const;

const CONSUMPTION_COLUMNS = [
  'lot',
  'part',
  'part_name',
  'quantity',
  'returned',
  'supplier',
  'supplier_order',
  'date_code',
  'serial',
  'source_build',
] as const;

const refused = (req: Request) => signInPage('Sign in to download this list.', req.originalUrl);

/** The build code of `/id/<code>/…`, canonical; null when the path does not hold one. */
function buildCodeOf(req: Request): string | null {
  const parsed = parseIdCode(String(req.params.code));
  return parsed.ok ? parsed.code : null;
}

/**
 * Registered before the `/id/<code>/<serial>` route (which would otherwise take `units.csv` for a
 * serial number).
 */
export function exportRoutes(router: Router, kit: PageKit): void {
  router.get(
    '/id/:code/units.csv',
    kit.open(async (req, { run, visitor }, res) => {
      if (!visitor.full) return refused(req);
      const code = buildCodeOf(req);
      if (!code) return badLinkPage('This is not a build code.');
      const read = (cursor?: string) => run(listUnits, { code, limit: EXPORT_PAGE_SIZE, cursor });
      const first = await read();
      const rows = async function* () {
        for await (const u of pages(first, read))
          yield [
            u.serial,
            u.serialLabel,
            u.code,
            u.status,
            u.locationCode,
            u.quantity,
            u.partCode,
            u.createdAt,
            u.updatedAt,
          ];
      };
      return sendCsv(res, `${code}-units.csv`, UNIT_COLUMNS, rows());
    }),
  );

  router.get(
    '/id/:code/consumption.csv',
    kit.open(async (req, { run, visitor }, res) => {
      if (!visitor.full) return refused(req);
      const code = buildCodeOf(req);
      if (!code) return badLinkPage('This is not a build code.');
      const { items } = await run(getBuildConsumption, { code });
      return sendCsv(
        res,
        `${code}-consumption.csv`,
        CONSUMPTION_COLUMNS,
        items.map((c) => [
          c.lotCode,
          c.partCode,
          c.partName,
          c.quantity,
          c.returned,
          c.supplier,
          c.supplierOrder,
          c.dateCode,
          c.serial,
          c.sourceBuildCode,
        ]),
      );
    }),
  );

  router.get(
    '/lots.csv',
    kit.open(async (req, { run, visitor }, res) => {
      if (!visitor.full) return refused(req);
      const input = lotsInput(filtersOf(req, LOT_FILTERS));
      const read = (cursor?: string) => run(listLots, { ...input, limit: EXPORT_PAGE_SIZE, cursor });
      const first = await read();
      const rows = async function* () {
        for await (const l of pages(first, read)) yield lotCells(l);
      };
      return sendCsv(res, 'lots.csv', LOT_COLUMNS, rows());
    }),
  );
}
