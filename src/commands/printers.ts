/**
 * Printing use cases, by concern under `printing/`: printers as objects and where they are the
 * default (`printers.ts`), the states of a print run (`states.ts`, workers only), what people do
 * with a run (`runs.ts`: resume, cancel, reprint, its per-label records), the engine that sends a
 * run's labels exactly once (`engine.ts`, the `labels.print` job) and automatic printing
 * (`auto.ts`). docs/labels.md states the exactly-once guarantee.
 */
export {
  createPrinter,
  updatePrinter,
  deletePrinter,
  listPrinters,
  getPrinter,
  recordPrinterStatus,
  assignPrinter,
  unassignPrinter,
  getPrinterAssignment,
  resolvePrinter,
  liveStatus,
} from './printing/printers.ts';
export {
  resumeLabelRun,
  autoResumeLabelRun,
  cancelLabelRun,
  listLabelPrints,
  reprintLabels,
  enqueuePrint,
} from './printing/runs.ts';
export {
  printLabelRunSlice,
  settleLabelPrint,
  type PrintOptions,
  type SliceResult,
} from './printing/engine.ts';
export { autoPrintBuild, autoPrintLots } from './printing/auto.ts';
