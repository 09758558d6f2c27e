/**
 * The receive station (#17): a technician scans the 2D code on a supplier's bag and the bag's
 * contents become a new lot of the part whose MPN the code gives. The formats read are described in
 * src/domain/supplier-codes.ts and docs/receiving.md.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ConflictError, ValidationError } from '../domain/errors.ts';
import { normalizeMpn } from '../domain/mpn.ts';
import {
  MAX_SCAN_LENGTH,
  parseSupplierCode,
  type Supplier,
  type SupplierCode,
} from '../domain/supplier-codes.ts';
import type { Fields, Lot, Part } from '../domain/types.ts';
import { defineCommand } from './define.ts';
import { findOrFail } from './lookup.ts';
import { findLocationId, receiveLot } from './lots.ts';
import type { Repositories } from './ports.ts';
import { flag, idCodeRef, optionalText } from './validation.ts';

/** How long a bag scanned again counts as the same bag read twice (refused without `again`). */
export const RECEIVE_AGAIN_WINDOW_SECONDS = 10 * 60;
/** Most of a code's raw fields kept on the lot (a lot keeps at most 100 fields). */
const MAX_RAW_FIELDS = 80;

/** The supplier as lots name it. */
const SUPPLIER_NAMES: Record<Supplier, string> = { digikey: 'DigiKey', mouser: 'Mouser', lcsc: 'LCSC' };

/** The part the bag holds: the one given, or the one whose MPN the code gives. */
async function findPart(repos: Repositories, code: SupplierCode, given: string | undefined): Promise<Part> {
  const mpn = code.mpn;
  if (given !== undefined) {
    const part = await findOrFail('part', 'part', given, (c) => repos.parts.findByCode(c));
    // A part given by hand must still be what the bag says it holds.
    if (mpn && part.mpn && normalizeMpn(part.mpn).mpn.toUpperCase() !== normalizeMpn(mpn).mpn.toUpperCase()) {
      throw ValidationError.field(
        'part',
        `part ${part.code} has the MPN ${part.mpn}, but the bag's code says ${mpn}: give the part the bag holds`,
      );
    }
    return part;
  }
  if (!mpn) {
    throw ValidationError.field(
      'part',
      "is required: the bag's code has no manufacturer part number (1P or pm) to find the part by",
    );
  }
  const normalized = normalizeMpn(mpn).mpn;
  const parts = await repos.parts.findByMpns([...new Set([mpn, normalized])]);
  if (parts.length === 0) {
    throw new ValidationError(
      [
        {
          field: 'part',
          message: `is required: no part has the MPN ${mpn} the bag's code gives (create the part with this MPN, or give the part)`,
        },
      ],
      { mpn },
    );
  }
  if (parts.length > 1) {
    throw new ValidationError(
      [
        {
          field: 'part',
          message: `is required: ${parts.length} parts have the MPN ${mpn} (${parts
            .map((p) => `${p.code}, ${p.name}`)
            .join('; ')}): give the one the bag holds`,
        },
      ],
      { mpn, parts: parts.map((p) => ({ code: p.code, name: p.name })) },
    );
  }
  return parts[0]!;
}

/** What the lot keeps of the code: the named fields, the raw ones as `scan.<DI or key>`, its digest. */
function lotFields(code: SupplierCode, scan: string): Fields {
  const fields: Fields = { supplierScan: scan };
  for (const key of ['supplierPart', 'purchaseOrder', 'salesOrder', 'countryOfOrigin'] as const) {
    const value = code[key];
    if (value !== undefined) fields[key] = value;
  }
  if (code.lot !== undefined) fields.supplierLot = code.lot;
  for (const [key, value] of Object.entries(code.fields).slice(0, MAX_RAW_FIELDS))
    fields[`scan.${key}`] = value;
  return fields;
}

function ago(lot: Lot): string {
  const minutes = Math.round((Date.now() - lot.createdAt.getTime()) / 60_000);
  if (minutes < 1) return 'less than a minute ago';
  return minutes === 1 ? '1 minute ago' : `${minutes} minutes ago`;
}

export const receiveSupplierScan = defineCommand({
  name: 'receiveSupplierScan',
  summary:
    "Receive a supplier's bag into a new lot from the 2D code on its label (DigiKey, Mouser: ISO/IEC 15434; LCSC: QR)",
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    scan: z
      .string()
      .max(MAX_SCAN_LENGTH)
      .describe(
        'what the scanner read from the bag; RS, GS and EOT as control characters or as ^^ ^] ^D, {RS} {GS} {EOT}, <RS> <GS> <EOT> or ␞ ␝ ␄',
      ),
    location: idCodeRef.nullish().describe('the location the lot is put in (its ID code)'),
    part: idCodeRef
      .optional()
      .describe("the part the bag holds, when no part or several parts have the code's MPN"),
    again: flag
      .optional()
      .describe(`receive a bag received in the last ${RECEIVE_AGAIN_WINDOW_SECONDS / 60} minutes once more`),
    note: optionalText(),
  }),
  async run({ repos, actor }, input) {
    const parsed = parseSupplierCode(input.scan);
    if (!parsed.ok) throw ValidationError.field('scan', parsed.problem);
    const code = parsed.code;
    const part = await findPart(repos, code, input.part);
    const locationId = await findLocationId(repos, 'location', input.location);
    const supplier = code.supplier ? SUPPLIER_NAMES[code.supplier] : null;
    const supplierOrder = code.purchaseOrder ?? code.salesOrder ?? null;
    // The canonical text, so that the same bag read with other substitutes is the same scan.
    const scan = `sha256:${createHash('sha256').update(code.canonical).digest('hex')}`;
    // Two stations scanning one bag at once: the second waits for the first's lot, then sees it.
    await repos.rows.forUpdate('parts', part.id);
    if (!input.again) {
      const earlier = await repos.lots.findRecentSupplierReceipt({
        scan,
        partId: part.id,
        supplier,
        supplierOrder,
        supplierLot: code.lot,
        withinSeconds: RECEIVE_AGAIN_WINDOW_SECONDS,
      });
      if (earlier) {
        throw new ConflictError(
          `This bag was received ${ago(earlier)} as lot ${earlier.code}: scan another bag, or receive it again on purpose (again)`,
          { lot: earlier.code },
        );
      }
    }
    const lot = await receiveLot(repos, actor, {
      partId: part.id,
      locationId,
      quantity: code.quantity,
      source: 'purchase',
      supplier,
      supplierOrder,
      dateCode: code.dateCode ?? null,
      fields: lotFields(code, scan),
      note: input.note,
    });
    return { lot, parsed: code };
  },
});
