import * as history from '../../commands/history.ts';
import * as lifecycle from '../../commands/lifecycle.ts';
import type { Attachment } from '../../commands/ports.ts';
import { route } from '../route.ts';
import {
  BulkTestResultsOut,
  DeviceLifecycleOut,
  DeviceMoveOut,
  HistoryItemOut,
  RequiredTestsOut,
  TestResultOut,
  pageOf,
} from '../schemas.ts';
import { presentAttachment } from './attachments.ts';

const tag = 'Device history';

type Item = { attachments: Attachment[] };
const presentItem = <T extends Item>(item: T) => ({
  ...item,
  attachments: item.attachments.map(presentAttachment),
});

const LIFECYCLE =
  'Devices only (units with a serial). A move the lifecycle does not allow is refused (422) with the actions allowed now in `allowed`.';

export const historyRoutes = [
  route({
    method: 'get',
    path: '/lots/{code}/history',
    tag,
    command: history.listLotHistory,
    response: pageOf(HistoryItemOut),
    present: (p: { items: Item[]; nextCursor: string | null }) => ({ ...p, items: p.items.map(presentItem) }),
  }),
  route({
    method: 'get',
    path: '/lots/{code}/history/{id}',
    tag,
    command: history.getHistoryEvent,
    response: HistoryItemOut,
    present: presentItem,
  }),
  route({
    method: 'post',
    path: '/lots/{code}/history/{id}/corrections',
    tag,
    command: history.correctHistoryEvent,
    status: 201,
    response: HistoryItemOut,
    present: presentItem,
    description:
      'History is append-only: a correction is a new event that refers to the corrected one. A corrected test result no longer counts for required tests; a corrected status change still happened.',
  }),
  route({
    method: 'post',
    path: '/lots/{code}/notes',
    tag,
    command: history.recordNote,
    status: 201,
    response: HistoryItemOut,
    present: presentItem,
  }),
  route({
    method: 'post',
    path: '/lots/{code}/service',
    tag,
    command: history.recordService,
    status: 201,
    response: HistoryItemOut,
    present: presentItem,
  }),
  route({
    method: 'post',
    path: '/lots/{code}/repair',
    tag,
    command: history.recordRepair,
    status: 201,
    response: HistoryItemOut,
    present: presentItem,
    description:
      'Each replacement names the lot or sub-assembly unit `removed` and/or `installed`. Installed stock is taken from its lot (ledger reason `repair`); a removed unit goes back to stock quarantined (or scrapped); the device genealogy and every trace through it follow.',
  }),
  route({
    method: 'post',
    path: '/lots/{code}/test-results',
    tag,
    command: history.recordTestResult,
    bodyOmits: ['build', 'serial'],
    status: 201,
    response: TestResultOut,
    description:
      "A failed result of a test the unit's project requires quarantines the unit (`lot.status_changed`); every result emits `lot.event_recorded`.",
  }),
  route({
    method: 'post',
    path: '/builds/{code}/units/{serial}/test-results',
    tag,
    command: history.recordTestResult,
    params: { code: 'build' },
    bodyOmits: ['code'],
    status: 201,
    response: TestResultOut,
    summary: 'Record a test result for a unit by its build and serial number',
  }),
  route({
    method: 'post',
    path: '/test-results',
    tag,
    command: history.recordTestResults,
    status: 201,
    response: BulkTestResultsOut,
    description:
      'All or nothing, in one transaction: a bad item refuses the whole request, naming it (`results.<index>.<field>`). Each item names its unit by `code`, or by `build` and `serial`.',
  }),
  route({
    method: 'get',
    path: '/lots/{code}/lifecycle',
    tag,
    command: lifecycle.getDeviceLifecycle,
    response: DeviceLifecycleOut,
  }),
  route({
    method: 'post',
    path: '/lots/{code}/ship',
    tag,
    command: lifecycle.shipDevice,
    response: DeviceMoveOut,
    description: LIFECYCLE,
  }),
  route({
    method: 'post',
    path: '/lots/{code}/return',
    tag,
    command: lifecycle.returnDevice,
    response: DeviceMoveOut,
    description: LIFECYCLE,
  }),
  route({
    method: 'post',
    path: '/lots/{code}/restock',
    tag,
    command: lifecycle.restockDevice,
    response: DeviceMoveOut,
    description: `${LIFECYCLE} A returned device needs a repair or service recorded first.`,
  }),
  route({
    method: 'post',
    path: '/lots/{code}/scrap',
    tag,
    command: lifecycle.scrapDevice,
    response: DeviceMoveOut,
    description: LIFECYCLE,
  }),
  route({
    method: 'post',
    path: '/lots/{code}/dispose',
    tag,
    command: lifecycle.disposeDevice,
    response: DeviceMoveOut,
    description: LIFECYCLE,
  }),
  route({
    method: 'get',
    path: '/projects/{code}/required-tests',
    tag,
    command: history.getRequiredTests,
    response: RequiredTestsOut,
  }),
  route({
    method: 'put',
    path: '/projects/{code}/required-tests',
    tag,
    command: history.setRequiredTests,
    response: RequiredTestsOut,
    description:
      'Units of the project must have a passing latest result of each (names compared ignoring case) before completion, unless completed with `force` and a `reason`.',
  }),
];
