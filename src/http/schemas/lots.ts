import { z } from 'zod';
import { LEDGER_REASONS, STOCK_STATUSES, type LedgerEntry, type Lot } from '../../domain/types.ts';
import type { SupplierCode } from '../../domain/supplier-codes.ts';
import { code, fieldsOut, timestamp, type Assert, type SameKeys } from './common.ts';

export const LotOut = z
  .object({
    code,
    partCode: code,
    locationCode: code.nullable(),
    quantity: z.int().min(0),
    reserved: z.int().min(0).describe('of the quantity, how much builds accepted for starting hold'),
    status: z.enum(STOCK_STATUSES),
    source: z.string(),
    supplier: z.string().nullable(),
    supplierOrder: z.string().nullable(),
    dateCode: z.string().nullable(),
    expiresOn: z.iso.date().nullable(),
    fields: fieldsOut,
    parentLotCode: code.nullable(),
    buildCode: code.nullable().describe('the build that made this lot'),
    serial: z.int().nullable().describe('serial number within the build, for a device'),
    serialLabel: z.string().nullable().describe('formatted serial, when the project defines a format'),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Lot' });

type _LotKeys = Assert<
  SameKeys<z.output<typeof LotOut>, Lot, 'id' | 'partId' | 'locationId' | 'parentLotId' | 'buildId'>
>;

export const SplitOut = z.object({ parent: LotOut, lot: LotOut }).meta({ id: 'SplitResult' });

export const LedgerEntryOut = z
  .object({
    lotCode: code,
    delta: z.int(),
    quantityAfter: z.int(),
    reason: z.enum(LEDGER_REASONS),
    note: z.string().nullable(),
    actor: z.string(),
    buildCode: code.nullable(),
    createdAt: timestamp,
  })
  .meta({ id: 'LedgerEntry' });

type _LedgerEntryKeys = Assert<SameKeys<z.output<typeof LedgerEntryOut>, LedgerEntry, 'id'>>;

/** What a supplier's code said (src/domain/supplier-codes.ts), as read at the receive station. */
export const SupplierCodeOut = z
  .object({
    format: z.enum(['iso15434', 'lcsc']),
    supplier: z
      .enum(['digikey', 'mouser', 'lcsc'])
      .nullable()
      .describe('best guess from the fields present; null when unsure'),
    customerPart: z.string().optional().describe('P'),
    mpn: z.string().optional().describe('1P, or LCSC pm'),
    supplierPart: z.string().optional().describe("LCSC pc, or DigiKey's part number (a P ending in -ND)"),
    quantity: z.int().min(1),
    purchaseOrder: z.string().optional().describe('K'),
    salesOrder: z.string().optional().describe('DigiKey 1K, or LCSC on'),
    dateCode: z.string().optional().describe('10D or 9D'),
    lot: z.string().optional().describe('1T'),
    countryOfOrigin: z.string().optional().describe('4L'),
    fields: z.record(z.string(), z.string()).describe('every field as read, by data identifier or LCSC key'),
    canonical: z.string().describe('the code in one spelling, control characters as RS, GS and EOT'),
  })
  .meta({ id: 'SupplierCode' });

type _SupplierCodeKeys = Assert<SameKeys<z.output<typeof SupplierCodeOut>, SupplierCode>>;

export const ReceivedScanOut = z
  .object({ lot: LotOut, parsed: SupplierCodeOut })
  .meta({ id: 'ReceivedSupplierScan' });
