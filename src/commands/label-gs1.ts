/**
 * GS1 device labels (`symbol: 'gs1'` on a build's label run): the GTIN they carry — the part the
 * build makes must have one — and each unit's UDI element string:
 *
 * - (01) the part's GTIN (GTIN-14);
 * - (11) production date: the build's date (the day it started, UTC), the date its labels already
 *   print on the build line. The build is the lot of (10), and a lot has one production date; units
 *   are labelled while they are made, before a unit has a completion date of its own;
 * - (21) the unit's serial as printed: the project's formatted serial, else the serial number;
 * - (10) the build's ID code, the lot the unit was made in.
 */
import { z } from 'zod';
import { ValidationError } from '../domain/errors.ts';
import { gs1ElementString } from '../domain/gs1.ts';
import { LABEL_SYMBOLS } from '../domain/labels.ts';
import type { LabelItem, LabelRun, Repositories } from './ports.ts';

/** `requestLabels`' `symbol`: which 2D code the labels carry. */
export const symbolInput = z
  .enum(LABEL_SYMBOLS)
  .default('url')
  .describe(
    "the 2D code: 'url' (default), a code of <PUBLIC_URL>/id/<code>; 'gs1' (with build, its part having a GTIN), a GS1 DataMatrix of each device's UDI — (01) GTIN (11) build date (21) serial (10) build — with its human-readable text",
  );

const AI_OF = { gtin: '01', productionDate: '11', serial: '21', lot: '10' } as const;

/**
 * The GTIN of the part a build makes; a ValidationError naming `field` when it has none, saying how
 * to give it one.
 */
export async function buildGtin(
  repos: Repositories,
  build: { code: string; producedPartCode: string },
  field = 'symbol',
): Promise<string> {
  const part = await repos.parts.findByCode(build.producedPartCode);
  if (part?.gtin) return part.gtin;
  throw ValidationError.field(
    field,
    `GS1 labels carry the product's GTIN, and part ${build.producedPartCode}${part ? ` (${part.name})` : ''} ` +
      `that build ${build.code} makes has none: give the part its GTIN (PATCH /parts/${build.producedPartCode} ` +
      `with gtin) or print symbol 'url'`,
  );
}

/** One unit's element string; a ValidationError naming `field` says which AI GS1 would refuse, and why. */
export function unitGs1(gtin: string, item: Omit<LabelItem, 'key'>, field: string): string {
  try {
    return gs1ElementString({
      gtin,
      productionDate: item.date,
      serial: item.serialLabel ?? (item.serial === undefined ? undefined : String(item.serial)),
      lot: item.buildCode,
    });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(
      error.problems.map((p) => ({
        field,
        message: `unit ${item.code}: (${AI_OF[p.field as keyof typeof AI_OF] ?? '?'}) ${p.message}`,
      })),
    );
  }
}

/**
 * Checks at request time that a build's units can carry GS1 codes: the part's GTIN, and the first
 * unit's element string (a serial format with a space or too long a serial fails every unit alike).
 */
export async function checkGs1Run(
  repos: Repositories,
  build: { code: string; producedPartCode: string },
  source: LabelRun['source'],
): Promise<void> {
  const gtin = await buildGtin(repos, build);
  const [first] = await repos.labels.items(source, 0, 1);
  if (first) unitGs1(gtin, first, 'symbol');
}

/**
 * For a run rendering GS1 codes: what each label adds (`{ gs1 }`, the `index`th label of the run);
 * null for every other run.
 */
export async function gs1Labeller(
  repos: Repositories,
  run: Pick<LabelRun, 'symbol' | 'source'>,
): Promise<((item: Omit<LabelItem, 'key'>, index: number) => { gs1: string }) | null> {
  if (run.symbol !== 'gs1' || run.source.kind !== 'build') return null;
  const build = await repos.builds.findById(run.source.buildId);
  if (!build) throw ValidationError.field('source', `build ${run.source.buildCode} no longer exists`);
  const gtin = await buildGtin(repos, build);
  return (item, index) => ({ gs1: unitGs1(gtin, item, `items.${index}.gs1`) });
}
