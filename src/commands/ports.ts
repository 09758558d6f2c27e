/**
 * What the commands need from storage, as interfaces. `src/db` implements them with knex; commands
 * never see SQL. Every method runs inside the unit of work it was obtained from, so a command's
 * writes and the events they cause commit together or not at all.
 *
 * Each aggregate's repository lives in `ports/<aggregate>.ts`; the records they answer are domain
 * types (`src/domain`). This module gathers both, so commands import their ports from one place.
 */
export type * from './ports/attachments.ts';
export type * from './ports/builds.ts';
export type * from './ports/codes.ts';
export type * from './ports/devices.ts';
export type * from './ports/events.ts';
export type * from './ports/files.ts';
export type * from './ports/history.ts';
export type * from './ports/identifiers.ts';
export type * from './ports/jobs.ts';
export type * from './ports/labels.ts';
export type * from './ports/locations.ts';
export type * from './ports/lots.ts';
export type * from './ports/parts.ts';
export type * from './ports/printers.ts';
export type * from './ports/projects.ts';
export type * from './ports/recalls.ts';
export type * from './ports/rows.ts';
export type * from './ports/search.ts';
export type * from './ports/services.ts';
export type * from './ports/sessions.ts';
export type * from './ports/shipments.ts';
export type * from './ports/slack.ts';
export type * from './ports/stock.ts';
export type * from './ports/tokens.ts';
export type * from './ports/trace.ts';
export type * from './ports/unit-of-work.ts';
export type * from './ports/units.ts';
export type * from './ports/webhooks.ts';
export type * from './ports/work.ts';

// Records the repositories answer, kept in the domain and re-exported for the commands' convenience.
export type { Attachment, AttachmentTarget } from '../domain/attachments.ts';
export type { Consumption, StockReservation, WrittenOffUnit } from '../domain/build-types.ts';
export type { DeviceComponent } from '../domain/devices.ts';
export type { IdentifierLookup, LotIdentifier } from '../domain/identifiers.ts';
export type { LabelItem, LabelRun, LabelSource } from '../domain/labels.ts';
export type {
  BatchMark,
  Printer,
  PrinterAssignment,
  PrinterDriver,
  PrinterStatus,
  PrinterTarget,
  PrintRecord,
} from '../domain/printers.ts';
export type { Recall } from '../domain/recalls.ts';
export type { Shipment, ShipmentUnit } from '../domain/shipments.ts';
export type { SlackDelivery, SlackMessage, SlackMessageKind, SlackUser } from '../domain/slack-types.ts';
export type { ApiToken } from '../domain/tokens.ts';
export type { ForwardTrace, LotSummary, TracedLot } from '../domain/trace.ts';
export type {
  DeliveryState,
  DeliveryStatus,
  WebhookAttemptRecord,
  WebhookDelivery,
  WebhookEndpoint,
} from '../domain/webhook-types.ts';
export { WORK_SOURCES } from '../domain/work-types.ts';
export type {
  InFlightWork,
  InvariantCheck,
  StrandedReport,
  StrandedWork,
  WorkAction,
  WorkSource,
} from '../domain/work-types.ts';
