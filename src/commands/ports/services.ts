import type { PackingListRenderer } from '../../domain/shipments.ts';
import type { PrinterDrivers } from './printers.ts';
import type { WorkInspector } from './work.ts';

/** Outside services commands may use (kept out of the repositories: they are not storage). */
export interface Services {
  /** Whether a webhook URL may be delivered to (scheme, and the addresses it resolves to). */
  checkWebhookUrl(url: string): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** The reconciler, seen from a command: what is stranded now, and a pass on request. */
  work?: WorkInspector;
  /** PUBLIC_URL of this process: where label runs requested here point their 2D codes. */
  publicUrl?: string;
  /** The printer drivers, to read a printer's status live. */
  printers?: PrinterDrivers;
  /** Renders a shipment's packing list as a PDF. */
  renderPackingList?: PackingListRenderer;
}
