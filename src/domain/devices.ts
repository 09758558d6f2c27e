/** Devices (tracked units) and what they hold. */

/** Where a lot inside a device came from. */
export const DEVICE_COMPONENT_SOURCES = ['build', 'repair', 'link'] as const;
export type DeviceComponentSource = (typeof DEVICE_COMPONENT_SOURCES)[number];

/** A lot inside a device: a component lot of its build or of a repair, or a sub-assembly unit. */
export interface DeviceComponent {
  lotId: number;
  code: string;
  partId: number;
  partCode: string;
  partName: string;
  isUnit: boolean;
  /** `build`: consumed by the device's build (shared by its units); `repair`: put in by a repair; `link`: a unit it holds. */
  source: DeviceComponentSource;
}
