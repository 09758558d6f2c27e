/**
 * A shipment's packing list, to put in the box and to send on: a PDF (A4, rendered by the process's
 * `renderPackingList` service) or a CSV (RFC 4180; cells a spreadsheet would run as a formula are
 * neutralised, see `src/domain/csv.ts`). Either can be had at any time; the date is the shipping
 * date once the shipment is shipped.
 */
import { Readable } from 'node:stream';
import { z } from 'zod';
import { csvLine } from '../domain/csv.ts';
import { PACKING_LIST_COLUMNS, packingListRow } from '../domain/shipments.ts';
import { defineCommand, type CommandContext } from './define.ts';
import { findShipment } from './shipments.ts';
import { numericId } from './validation.ts';

const input = z.strictObject({
  shipment: numericId.describe('the shipment (its id: SH-000123 is shipment 123)'),
});

/** The packing list file of a shipment, in `format`. */
async function packingList(
  { repos, services }: CommandContext,
  id: number,
  format: 'pdf' | 'csv',
): Promise<{ stream: Readable; bytes: number; filename: string; contentType: string }> {
  const shipment = await findShipment(repos, id);
  const units = await repos.shipments.units(shipment.id);
  const filename = `packing-list-${shipment.number}.${format}`;
  if (format === 'csv') {
    const csv = Buffer.from(
      [PACKING_LIST_COLUMNS, ...units.map((u) => packingListRow(shipment, u))].map(csvLine).join(''),
      'utf8',
    );
    return {
      stream: Readable.from([csv]),
      bytes: csv.length,
      filename,
      contentType: 'text/csv; charset=utf-8',
    };
  }
  if (!services.renderPackingList) throw new Error('no packing list renderer was given to this process');
  const pdf = Buffer.from(await services.renderPackingList({ shipment, units, generatedAt: new Date() }));
  return { stream: Readable.from([pdf]), bytes: pdf.length, filename, contentType: 'application/pdf' };
}

export const downloadPackingListPdf = defineCommand({
  name: 'downloadPackingListPdf',
  summary: "Download a shipment's packing list as a PDF (A4, to put in the box)",
  role: 'viewer',
  mode: 'read',
  input,
  run: (ctx, { shipment }) => packingList(ctx, shipment, 'pdf'),
});

export const downloadPackingListCsv = defineCommand({
  name: 'downloadPackingListCsv',
  summary: "Download a shipment's packing list as a CSV (a row per unit)",
  role: 'viewer',
  mode: 'read',
  input,
  run: (ctx, { shipment }) => packingList(ctx, shipment, 'csv'),
});
