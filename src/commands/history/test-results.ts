/**
 * Test results: one, or up to 1,000 in one request, all or nothing. A failed result of a test the
 * unit's project requires quarantines the unit (`lot.status_changed`).
 */
import { z } from 'zod';
import { NotFoundError, RuleViolation } from '../../domain/errors.ts';
import { assertRecordable, testKey, type TestResultData } from '../../domain/history.ts';
import type { Actor } from '../../domain/roles.ts';
import type { StockStatus } from '../../domain/types.ts';
import { defineCommand } from '../define.ts';
import { normalizeCode } from '../lookup.ts';
import type { Repositories } from '../ports.ts';
import { recordStatusChange, recordEvents } from '../timeline.ts';
import { idCodeRef, optionalText, text } from '../validation.ts';
import { deviceView } from './items.ts';

/** Most test results one request may carry. */
export const MAX_BULK_RESULTS = 1_000;

/** Statuses a failed required test quarantines a unit from. */
const QUARANTINABLE: readonly StockStatus[] = ['in_production', 'available', 'returned'];

const measurements = z
  .record(text(100), z.union([z.number(), z.string().max(500)]))
  .refine((r) => Object.keys(r).length <= 200, { message: 'at most 200 measurements' })
  .meta({ maxProperties: 200 })
  .describe('measurement name → value, e.g. {"vcc_mV": 3301, "fw": "1.4.2"}');

const testFields = {
  test: text(100).describe('name of the test, e.g. ICT, functional, burn-in'),
  passed: z.boolean(),
  measurements: measurements.optional(),
  station: text(100).optional(),
  operator: text(100).optional().describe('who ran the test (default: the caller)'),
  notes: optionalText(2_000),
  startedAt: z.iso.datetime({ offset: true }).optional(),
  finishedAt: z.iso.datetime({ offset: true }).optional(),
};

const unitAddress = {
  code: idCodeRef.optional().describe('ID code of the unit (or lot)'),
  build: idCodeRef.optional().describe("the unit's build ID code, with serial"),
  serial: z.coerce.number().int().positive().max(1_000_000).optional().describe('serial within build'),
};

type TestInput = {
  code?: string | undefined;
  build?: string | undefined;
  serial?: number | undefined;
  test: string;
  passed: boolean;
  measurements?: Record<string, number | string> | undefined;
  station?: string | undefined;
  operator?: string | undefined;
  notes?: string | null | undefined;
  startedAt?: string | undefined;
  finishedAt?: string | undefined;
};

function checkTestInput(value: TestInput, ctx: z.RefinementCtx, at: (string | number)[] = []) {
  const byCode = value.code !== undefined;
  const byUnit = value.build !== undefined || value.serial !== undefined;
  if (byCode && byUnit)
    ctx.addIssue({ code: 'custom', path: [...at, 'code'], message: 'give either code, or build and serial' });
  else if (!byCode && !byUnit)
    ctx.addIssue({ code: 'custom', path: [...at, 'code'], message: 'is required (or build and serial)' });
  else if (byUnit && value.build === undefined)
    ctx.addIssue({ code: 'custom', path: [...at, 'build'], message: 'is required with serial' });
  else if (byUnit && value.serial === undefined)
    ctx.addIssue({ code: 'custom', path: [...at, 'serial'], message: 'is required with build' });
  if (value.startedAt && value.finishedAt && Date.parse(value.finishedAt) < Date.parse(value.startedAt))
    ctx.addIssue({ code: 'custom', path: [...at, 'finishedAt'], message: 'is before startedAt' });
}

/** `checkTestInput`'s address rule, for the document: a unit by `code`, or by `build` and `serial`. */
const ADDRESSED_BY = [
  { required: ['code'], not: { anyOf: [{ required: ['build'] }, { required: ['serial'] }] } },
  { required: ['build', 'serial'], not: { required: ['code'] } },
];

const testResultInput = z
  .strictObject({ ...unitAddress, ...testFields })
  .superRefine((v, ctx) => checkTestInput(v, ctx));

export interface RecordedTestResult {
  index: number;
  event: number;
  lot: string;
  build: string | null;
  serial: number | null;
  test: string;
  passed: boolean;
  required: boolean;
  quarantined: boolean;
}

/** Finds the lots test results name, locked, in one query per addressing style. */
async function resolveTargets(repos: Repositories, inputs: TestInput[], prefix: (i: number) => string) {
  const codes: string[] = [];
  const units: { build: string; serial: number }[] = [];
  const normalized = inputs.map((input, i) => {
    if (input.code !== undefined) {
      const code = normalizeCode(`${prefix(i)}code`, input.code);
      codes.push(code);
      return { by: 'code' as const, code };
    }
    const build = normalizeCode(`${prefix(i)}build`, input.build!);
    units.push({ build, serial: input.serial! });
    return { by: 'unit' as const, build, serial: input.serial! };
  });
  const found = await repos.devices.findLots(codes, units, { lock: true });
  return normalized.map((ref, i) => {
    if (ref.by === 'code') {
      const lot = found.byCode.get(ref.code);
      if (!lot)
        throw new NotFoundError(
          'lot',
          ref.code,
          `${prefix(i)}code: lot ${ref.code} does not exist`,
          `${prefix(i)}code`,
        );
      return lot;
    }
    const lot = found.byUnit.get(`${ref.build}/${ref.serial}`);
    if (!lot)
      throw new NotFoundError(
        'unit',
        `${ref.build}/${ref.serial}`,
        `${prefix(i)}serial: build ${ref.build} has no unit with serial ${ref.serial}`,
        `${prefix(i)}serial`,
      );
    return lot;
  });
}

/**
 * Records test results, all or nothing. A failed result of a test the unit's project requires
 * quarantines the unit (from in production, available or returned).
 */
async function recordResults(
  repos: Repositories,
  actor: Actor,
  inputs: TestInput[],
  prefix: (i: number) => string,
): Promise<RecordedTestResult[]> {
  const lots = await resolveTargets(repos, inputs, prefix);
  const required = await repos.tests.requiredForLots([
    ...new Set(lots.filter((l) => l.serial !== null).map((l) => l.id)),
  ]);
  // Current status per lot as results are applied in order (a unit may appear twice).
  const status = new Map(lots.map((l) => [l.id, l.status]));
  const plan = inputs.map((input, i) => {
    const lot = lots[i]!;
    try {
      assertRecordable({ ...deviceView(lot), status: status.get(lot.id)! }, 'test_result');
    } catch (error) {
      throw inputs.length > 1
        ? new RuleViolation(`${prefix(i).slice(0, -1)}: ${(error as Error).message}`)
        : error;
    }
    const isRequired = (required.get(lot.id) ?? []).some((name) => testKey(name) === testKey(input.test));
    const quarantine = !input.passed && isRequired && QUARANTINABLE.includes(status.get(lot.id)!);
    if (quarantine) status.set(lot.id, 'quarantined');
    const data: TestResultData = {
      test: input.test,
      passed: input.passed,
      measurements: input.measurements ?? {},
      station: input.station ?? null,
      operator: input.operator ?? actor.name,
      notes: input.notes ?? null,
      startedAt: input.startedAt ?? null,
      finishedAt: input.finishedAt ?? null,
      required: isRequired,
      quarantined: quarantine,
    };
    return { lot, data, quarantine };
  });
  const stored = await recordEvents(
    repos,
    actor,
    plan.map(({ lot, data }) => ({ lot, event: { kind: 'test_result', data } })),
  );
  const current = new Map(lots.map((l) => [l.id, l]));
  for (const [i, p] of plan.entries()) {
    if (!p.quarantine) continue;
    const lot = current.get(p.lot.id)!;
    const reason = `failed required test ${p.data.test}${p.data.station ? ` at ${p.data.station}` : ''}`;
    const moved = await recordStatusChange(
      repos,
      actor,
      lot,
      'quarantined',
      {
        kind: 'status_changed',
        data: { from: lot.status, to: 'quarantined', reason: `${reason} (event ${stored[i]!.id})` },
      },
      reason,
    );
    current.set(lot.id, moved.lot);
  }
  return plan.map((p, i) => ({
    index: i,
    event: stored[i]!.id,
    lot: p.lot.code,
    build: p.lot.buildCode,
    serial: p.lot.serial,
    test: p.data.test,
    passed: p.data.passed,
    required: p.data.required,
    quarantined: p.quarantine,
  }));
}

export const recordTestResult = defineCommand({
  name: 'recordTestResult',
  summary:
    "Record a test station's result for one unit, by its ID code or by build and serial; a failed required test quarantines the unit",
  role: 'operator',
  mode: 'write',
  input: testResultInput,
  async run({ repos, actor }, input) {
    const [result] = await recordResults(repos, actor, [input], () => '');
    return result!;
  },
});

export const recordTestResults = defineCommand({
  name: 'recordTestResults',
  summary: `Record up to ${MAX_BULK_RESULTS} test results in one request, all or nothing`,
  role: 'operator',
  mode: 'write',
  input: z
    .strictObject({
      results: z
        .array(z.strictObject({ ...unitAddress, ...testFields }).meta({ oneOf: ADDRESSED_BY }))
        .min(1)
        .max(MAX_BULK_RESULTS),
    })
    .superRefine((v, ctx) => v.results.forEach((r, i) => checkTestInput(r, ctx, ['results', i]))),
  async run({ repos, actor }, { results }) {
    const items = await recordResults(repos, actor, results, (i) => `results.${i}.`);
    return {
      recorded: items.length,
      failed: items.filter((r) => !r.passed).length,
      quarantined: items.filter((r) => r.quarantined).length,
      items,
    };
  },
});
