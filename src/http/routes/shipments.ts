import * as shipments from '../../commands/shipments.ts';
import * as packing from '../../commands/packing-list.ts';
import type { Shipment } from '../../commands/ports.ts';
import { route } from '../route.ts';
import {
  ShipResultOut,
  ShipmentDetailOut,
  ShipmentOut,
  ShipmentRemovalOut,
  ShipmentScanOut,
  pageOf,
} from '../schemas.ts';

const tag = 'Shipments';
const params = { id: 'shipment' };
/** A shipment with the download paths of its packing list. */
const detailed = <S extends Shipment>(s: S) => ({
  ...s,
  packingList: {
    pdf: `/api/v1/shipments/${s.id}/packing-list.pdf`,
    csv: `/api/v1/shipments/${s.id}/packing-list.csv`,
  },
});

export const shipmentRoutes = [
  route({
    method: 'post',
    path: '/shipments',
    tag,
    command: shipments.openShipment,
    status: 201,
    response: ShipmentDetailOut,
    present: detailed,
  }),
  route({
    method: 'get',
    path: '/shipments',
    tag,
    command: shipments.listShipments,
    response: pageOf(ShipmentOut),
  }),
  route({
    method: 'get',
    path: '/shipments/{id}',
    tag,
    command: shipments.getShipment,
    params,
    response: ShipmentDetailOut,
    present: detailed,
  }),
  route({
    method: 'post',
    path: '/shipments/{id}/units',
    tag,
    command: shipments.addToShipment,
    params,
    response: ShipmentScanOut,
    description:
      'Refused (422) for a device that is not `available` (the answer names its status) and for a shipped shipment; 409 for a device packed in another open shipment. A device already in this shipment is answered with `already: true` and nothing changes (a scanner reading twice).',
  }),
  route({
    method: 'delete',
    path: '/shipments/{id}/units/{unit}',
    tag,
    command: shipments.removeFromShipment,
    params,
    response: ShipmentRemovalOut,
  }),
  route({
    method: 'post',
    path: '/shipments/{id}/ship',
    tag,
    command: shipments.shipShipment,
    params,
    response: ShipResultOut,
    present: detailed,
    description:
      'In one transaction: every unit is shipped as `POST /lots/{code}/ship` ships a device (a `shipped` history event with the customer, order and shipment number; `lot.status_changed`), the shipment is marked shipped, and `shipment.created` is announced. Refused (422) for an empty shipment and when a unit is no longer available (each is named). A shipped shipment is answered again with `already: true`, and nothing is announced twice.',
  }),
  route({
    method: 'get',
    path: '/shipments/{id}/packing-list.pdf',
    tag,
    command: packing.downloadPackingListPdf,
    params,
    file: { mediaType: 'application/pdf' },
  }),
  route({
    method: 'get',
    path: '/shipments/{id}/packing-list.csv',
    tag,
    command: packing.downloadPackingListCsv,
    params,
    file: { mediaType: 'text/csv' },
  }),
];
