import type { Page, PageRequest } from '../../domain/page.ts';
import type { Shipment, ShipmentStatus, ShipmentUnit } from '../../domain/shipments.ts';

export interface ShipmentRepository {
  insert(shipment: {
    customer: string;
    order: string | null;
    note: string | null;
    createdBy: string;
  }): Promise<Shipment>;
  /** With `lock`, the shipment's row is locked until the unit of work ends. */
  findById(id: number, options?: { lock?: boolean }): Promise<Shipment | null>;
  /** Newest last (ascending ids); `customer` matches part of the name, any case. */
  list(page: PageRequest, filter: { status?: ShipmentStatus; customer?: string }): Promise<Page<Shipment>>;
  /** The units packed in (or shipped with) a shipment, in the order they were packed. */
  units(shipmentId: number): Promise<ShipmentUnit[]>;
  /** One device of a shipment (packed or shipped), if it is in it. */
  findUnit(shipmentId: number, lotId: number): Promise<ShipmentUnit | null>;
  /** The shipment a device is packed in now (an open one), if any. */
  packedIn(lotId: number): Promise<Shipment | null>;
  addUnit(shipmentId: number, lotId: number, addedBy: string): Promise<void>;
  /** Takes a packed unit out; false when it was not packed in this shipment. */
  removeUnit(shipmentId: number, lotId: number, removedBy: string): Promise<boolean>;
  /** Marks an open shipment and its packed units shipped. */
  markShipped(id: number, shipped: { shippedOn: string; shippedBy: string }): Promise<Shipment>;
}
