/**
 * Build test data through the API's own commands: a kit (a project making one part, with stock for
 * its BOM) and a build request. Shared by the build integration tests.
 */
import { expect } from 'vitest';
import type { factories } from '../factories.ts';
import type { TestContext } from './context.ts';

type Factories = ReturnType<typeof factories>;

export interface Kit {
  project: string;
  producedPart: string;
  /** The C part when the kit has a C line. */
  parts: { r: string; c?: string; u: string };
  /** The R lots in the order received (r1 oldest), the C lot when there is one, the U lot. */
  lots: { r1: string; r2?: string; c?: string; u: string };
}

export interface KitOptions {
  serialFormat?: string;
  /** The R 10k lots (R×2 per unit), oldest first: default one lot of 1,000. */
  rLots?: { quantity: number; supplier?: string; dateCode?: string }[];
  /** A C 100n line (×1 per unit) with one lot this big; no C line when unset. */
  cStock?: number;
  /** The MCU lot (U×1 per unit): default 100. */
  uStock?: number;
  /** Whether the BOM lines name their designators (R1, R2; U1). */
  designators?: boolean;
}

/** A fresh project (R×2, [C×1,] U×1 per unit) with a lot of stock of each part. */
export async function makeKit(f: Factories, options: KitOptions = {}): Promise<Kit> {
  const r = await f.part({ name: 'R 10k' });
  const c = options.cStock === undefined ? undefined : await f.part({ name: 'C 100n' });
  const u = await f.part({ name: 'MCU' });
  const rLots = [];
  for (const lot of options.rLots ?? [{ quantity: 1_000 }]) rLots.push(await f.lot({ part: r.code, ...lot }));
  const cl = c ? await f.lot({ part: c.code, quantity: options.cStock }) : undefined;
  const ul = await f.lot({ part: u.code, quantity: options.uStock ?? 100 });
  const named = options.designators ?? false;
  const project = await f.project({
    serialFormat: options.serialFormat,
    lines: [
      { part: r.code, quantity: 2, ...(named ? { designators: ['R1', 'R2'] } : {}) },
      ...(c ? [{ part: c.code, quantity: 1 }] : []),
      { part: u.code, quantity: 1, ...(named ? { designators: ['U1'] } : {}) },
    ],
  });
  return {
    project: project.code,
    producedPart: project.producesPartCode,
    parts: { r: r.code, ...(c ? { c: c.code } : {}), u: u.code },
    lots: {
      r1: rLots[0]!.code,
      ...(rLots[1] ? { r2: rLots[1].code } : {}),
      ...(cl ? { c: cl.code } : {}),
      u: ul.code,
    },
  };
}

/** POST /builds, expecting 201; answers the build's code. */
export async function requestBuild(ctx: TestContext, body: Record<string, unknown>): Promise<string> {
  const res = await ctx.api('POST', '/api/v1/builds', { body });
  expect(res.status, res.text).toBe(201);
  return (res.body.build as { code: string }).code;
}
