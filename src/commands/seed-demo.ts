/**
 * Demo data so a newcomer can try a build at once: two locations, components in stock, and a
 * two-level BOM — a "Sensor module" sub-assembly, and a "Weather station" that contains one.
 */
import { z } from 'zod';
import type { Part } from '../domain/types.ts';
import { defineCommand } from './define.ts';

const COMPONENTS = [
  {
    name: 'RC0603FR-0710KL',
    value: '10k',
    footprint: 'Resistor_SMD:R_0603_1608Metric',
    manufacturer: 'Yageo',
    stock: 5000,
  },
  {
    name: 'GRM188R71H104KA93D',
    value: '100n',
    footprint: 'Capacitor_SMD:C_0603_1608Metric',
    manufacturer: 'Murata',
    stock: 8000,
  },
  {
    name: 'BME280',
    value: 'BME280',
    footprint: 'Package_LGA:Bosch_LGA-8_2.5x2.5mm',
    manufacturer: 'Bosch',
    stock: 300,
  },
  {
    name: 'ESP32-C3-MINI-1-N4',
    value: 'ESP32-C3',
    footprint: 'RF_Module:ESP32-C3-MINI-1',
    manufacturer: 'Espressif',
    stock: 200,
  },
  {
    name: 'AP2112K-3.3TRG1',
    value: 'AP2112K-3.3',
    footprint: 'Package_TO_SOT_SMD:SOT-23-5',
    manufacturer: 'Diodes Inc.',
    stock: 400,
  },
  {
    name: 'USB4105-GF-A',
    value: 'USB-C',
    footprint: 'Connector_USB:USB_C_Receptacle_GCT_USB4105',
    manufacturer: 'GCT',
    stock: 250,
  },
] as const;

export const seedDemo = defineCommand({
  name: 'seedDemo',
  summary: 'Create demo locations, parts, stock and a two-level BOM (skipped if already there)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({}),
  async run({ repos, actor }) {
    const existing = await repos.projects.findByName('Weather station');
    if (existing) return { created: false, project: existing };

    const codes = await repos.idCodes.allocate(4 + COMPONENTS.length * 2);
    const next = () => codes.pop()!;
    const shelf = await repos.locations.insert({
      code: next(),
      name: 'Shelf A1',
      description: 'Component reels',
    });
    await repos.locations.insert({ code: next(), name: 'Production line', description: 'Work in progress' });

    const parts: Record<string, Part> = {};
    for (const c of COMPONENTS) {
      const part = await repos.parts.insert({
        code: next(),
        name: c.name,
        kind: 'component',
        mpn: c.name,
        manufacturer: c.manufacturer,
        value: c.value,
        footprint: c.footprint,
      });
      parts[c.value] = part;
      await repos.stock.open({ reason: 'receive', note: 'demo stock', actor: actor.name }, () =>
        repos.lots.insert({
          code: next(),
          partId: part.id,
          locationId: shelf.id,
          quantity: c.stock,
          status: 'available',
          source: 'purchase',
          supplier: 'DigiKey',
          supplierOrder: 'DK-DEMO-0001',
          dateCode: '2645',
        }),
      );
    }

    const modulePart = await repos.parts.insert({
      code: next(),
      name: 'Sensor module',
      kind: 'subassembly',
      description: 'BME280 breakout',
    });
    const [moduleCode, stationPartCode, stationCode] = await repos.idCodes.allocate(3);
    const sensorModule = await repos.projects.insert({
      code: moduleCode!,
      name: 'Sensor module',
      description: 'BME280 sensor on a small board',
      producesPartId: modulePart.id,
      serialFormat: 'SM-{yy}{ww}-{seq:05}',
    });
    await repos.projects.replaceLines(sensorModule.id, [
      { partId: parts['BME280']!.id, quantityPerUnit: 1, designators: ['U1'] },
      { partId: parts['100n']!.id, quantityPerUnit: 2, designators: ['C1', 'C2'] },
      { partId: parts['10k']!.id, quantityPerUnit: 2, designators: ['R1', 'R2'] },
    ]);

    const stationPart = await repos.parts.insert({
      code: stationPartCode!,
      name: 'Weather station',
      kind: 'subassembly',
    });
    const station = await repos.projects.insert({
      code: stationCode!,
      name: 'Weather station',
      description: 'ESP32-C3 main board with a sensor module',
      producesPartId: stationPart.id,
      serialFormat: 'WS-{yyyy}-{seq:06}',
    });
    const project = await repos.projects.replaceLines(station.id, [
      { partId: parts['ESP32-C3']!.id, quantityPerUnit: 1, designators: ['U1'] },
      { partId: parts['AP2112K-3.3']!.id, quantityPerUnit: 1, designators: ['U2'] },
      { partId: parts['USB-C']!.id, quantityPerUnit: 1, designators: ['J1'] },
      { partId: parts['100n']!.id, quantityPerUnit: 4, designators: ['C1', 'C2', 'C3', 'C4'] },
      { partId: parts['10k']!.id, quantityPerUnit: 3, designators: ['R1', 'R2', 'R3'] },
      { partId: modulePart.id, quantityPerUnit: 1, designators: ['M1'] },
    ]);
    return { created: true, project };
  },
});
