/**
 * The printer drivers, by the name a printer record gives (`src/domain/printers.ts` has the
 * contract): `zpl` for Zebra and compatibles, `brother-ql` for Brother QL raster printers, `ipp`
 * for IPP Everywhere printers and CUPS queues.
 */
import type { PrinterDrivers } from '../commands/ports.ts';
import { brotherQlDriver } from './brother-ql.ts';
import { ippDriver } from './ipp.ts';
import { zplDriver } from './zpl.ts';

export const PRINTER_DRIVERS: PrinterDrivers = {
  zpl: zplDriver,
  'brother-ql': brotherQlDriver,
  ipp: ippDriver,
};
