import type { DeviceComponent } from '../../domain/devices.ts';
import type { Lot } from '../../domain/types.ts';

export interface DeviceRepository {
  /**
   * Lots by ID code and units by build ID code and serial (keys `build/serial`), locked until the
   * unit of work ends when asked; missing ones are simply absent.
   */
  findLots(
    codes: string[],
    units: { build: string; serial: number }[],
    options: { lock: boolean },
  ): Promise<{ byCode: Map<string, Lot>; byUnit: Map<string, Lot> }>;
  /** The device a sub-assembly unit currently sits in, if any. */
  heldBy(lotId: number): Promise<{ id: number; code: string } | null>;
  /** What the device holds now: its build's component lots not taken out, lots put in by repairs, units linked. */
  components(deviceLotId: number): Promise<DeviceComponent[]>;
  /** Records one component change of a repair. */
  recordChange(change: {
    deviceLotId: number;
    historyEventId: number;
    partId: number;
    removedLotId: number | null;
    installedLotId: number | null;
    quantity: number;
    isUnit: boolean;
    designators: string[];
  }): Promise<void>;
  /** Ends the link between a device and a unit it holds; false if it held none. */
  unlinkUnit(deviceLotId: number, unitLotId: number, reason: string): Promise<boolean>;
  linkUnit(deviceLotId: number, unitLotId: number): Promise<void>;
  /** Lots put in by repairs that a device holds now, with the quantity and the repair event. */
  installed(deviceLotId: number): Promise<{ lotId: number; quantity: number; historyEventId: number }[]>;
  /** Lots of the device's build that repairs took out of it. */
  removed(deviceLotId: number): Promise<number[]>;
}
