/**
 * History use cases: notes, test results (one, or up to 1,000 in one request), service, repairs
 * that swap components (and keep the device's genealogy true), corrections, the timeline, and the
 * tests a project requires. Each event is written with its `lot.event_recorded` outbox event in the
 * same transaction; a failed required test also quarantines the unit (`lot.status_changed`).
 */
import { z } from 'zod';
import { NotFoundError, RuleViolation, ValidationError } from '../domain/errors.ts';
import {
  HISTORY_KINDS,
  assertCorrectable,
  assertRecordable,
  normalizeRequiredTests,
  summarize,
  testKey,
  type HistoryEvent,
  type Replacement,
  type TestResultData,
} from '../domain/history.ts';
import type { Actor } from '../domain/roles.ts';
import type { Lot, StockStatus } from '../domain/types.ts';
import type { Attachment } from './ports.ts';
import { defineCommand } from './define.ts';
import { findOrFail, normalizeCode, findLot as findLotBy } from './lookup.ts';
import type { Repositories } from './ports.ts';
import { recordStatusChange, recordEvents } from './timeline.ts';
import { idCodeRef, lotRef, optionalText, pageQuery, text } from './validation.ts';

/** Most test results one request may carry. */
export const MAX_BULK_RESULTS = 1_000;

/** Statuses a failed required test quarantines a unit from. */
const QUARANTINABLE: readonly StockStatus[] = ['in_production', 'available', 'returned'];

/** A lot by its ID code, or a device by its formatted serial. */
const findLot = (repos: Repositories, field: string, code: string, lock = false) =>
  findLotBy(repos, field, code, { lock });

// ---------------------------------------------------------------------------------------------
// Timeline

export interface HistoryItem {
  id: number;
  kind: HistoryEvent['kind'];
  /** One human line. */
  summary: string;
  actor: string;
  occurredAt: Date;
  data: Record<string, unknown>;
  /** The event this one corrects (corrections only). */
  corrects: number | null;
  /** Corrections recorded against this event. */
  correctedBy: number[];
  attachments: Attachment[];
}

async function withAttachments(repos: Repositories, events: HistoryEvent[]): Promise<HistoryItem[]> {
  const attachments = await repos.attachments.forEvents(events.map((e) => e.id));
  return events.map((e) => ({
    id: e.id,
    kind: e.kind,
    summary: summarize(e.kind, e.data),
    actor: e.actor,
    occurredAt: e.occurredAt,
    data: e.data,
    corrects: e.corrects,
    correctedBy: e.correctedBy,
    attachments: attachments.get(e.id) ?? [],
  }));
}

const kindList = z
  .string()
  .max(200)
  .transform((s, ctx) => {
    const kinds = s
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean);
    for (const k of kinds)
      if (!(HISTORY_KINDS as readonly string[]).includes(k)) {
        ctx.addIssue({
          code: 'custom',
          message: `'${k}' is not a history event kind (${HISTORY_KINDS.join(', ')})`,
        });
        return z.NEVER;
      }
    return kinds as HistoryEvent['kind'][];
  });

export const listLotHistory = defineCommand({
  name: 'listLotHistory',
  summary: "A lot's timeline: every history event with its summary and attachments, oldest first by default",
  role: 'viewer',
  mode: 'read',
  input: pageQuery.extend({
    code: lotRef,
    order: z.enum(['asc', 'desc']).default('asc').describe('asc: oldest first; desc: newest first'),
    kind: kindList.optional().describe('comma-separated kinds, e.g. test_result,repair'),
  }),
  async run({ repos }, { code, limit, cursor, order, kind }) {
    const lot = await findLot(repos, 'code', code);
    const page = await repos.history.list(lot.id, { kinds: kind }, { limit, cursor, order });
    return { items: await withAttachments(repos, page.items), nextCursor: page.nextCursor };
  },
});

export const getHistoryEvent = defineCommand({
  name: 'getHistoryEvent',
  summary: 'One history event of a lot, with its attachments',
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({
    code: lotRef,
    id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  }),
  async run({ repos }, { code, id }) {
    const lot = await findLot(repos, 'code', code);
    const event = await findEventOf(repos, lot, id);
    return (await withAttachments(repos, [event]))[0]!;
  },
});

async function findEventOf(repos: Repositories, lot: Lot, id: number): Promise<HistoryEvent> {
  const event = await repos.history.findById(id);
  if (!event || event.lotId !== lot.id)
    throw new NotFoundError('history event', String(id), `lot ${lot.code} has no history event ${id}`, 'id');
  return event;
}

// ---------------------------------------------------------------------------------------------
// Notes, service, corrections

const recorded = async (repos: Repositories, event: HistoryEvent) =>
  (await withAttachments(repos, [event]))[0]!;

export const recordNote = defineCommand({
  name: 'recordNote',
  summary: 'Add a note to the history of a lot or device',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ code: lotRef, text: text(5_000) }),
  async run({ repos, actor }, { code, text: body }) {
    const lot = await findLot(repos, 'code', code, true);
    assertRecordable(deviceView(lot), 'note');
    const [event] = await recordEvents(repos, actor, [
      { lot, event: { kind: 'note', data: { text: body } } },
    ]);
    return recorded(repos, event!);
  },
});

export const recordService = defineCommand({
  name: 'recordService',
  summary: 'Record service done on a device (calibration, firmware update, inspection …), also in the field',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ code: lotRef, description: text(1_000), notes: optionalText(2_000) }),
  async run({ repos, actor }, { code, description, notes }) {
    const lot = await findLot(repos, 'code', code, true);
    assertRecordable(deviceView(lot), 'service');
    const [event] = await recordEvents(repos, actor, [
      { lot, event: { kind: 'service', data: { description, notes: notes ?? null } } },
    ]);
    return recorded(repos, event!);
  },
});

const correctionDetails = z
  .record(z.string().min(1).max(100), z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]))
  .refine((r) => Object.keys(r).length <= 50, { message: 'at most 50 details' })
  .meta({ maxProperties: 50 });

export const correctHistoryEvent = defineCommand({
  name: 'correctHistoryEvent',
  summary:
    'Correct a history event: a new event that refers to it, with the reason and the corrected details (the original stays)',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    code: lotRef,
    id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    reason: text(1_000),
    details: correctionDetails.default({}).describe('corrected values, e.g. {"customer": "Acme GmbH"}'),
  }),
  async run({ repos, actor }, { code, id, reason, details }) {
    const lot = await findLot(repos, 'code', code, true);
    const target = await findEventOf(repos, lot, id);
    assertCorrectable(target, lot.code);
    const [event] = await recordEvents(repos, actor, [
      {
        lot,
        event: {
          kind: 'correction',
          corrects: target.id,
          data: { reason, details, correctsKind: target.kind },
        },
      },
    ]);
    return recorded(repos, event!);
  },
});

// ---------------------------------------------------------------------------------------------
// Test results

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

// ---------------------------------------------------------------------------------------------
// Repairs

const designator = z
  .string()
  .trim()
  .regex(/^[A-Za-z][A-Za-z0-9_.]*$/, 'is not a reference designator')
  .max(30);

const replacementInput = z.strictObject({
  removed: lotRef.optional().describe('lot or sub-assembly unit taken out'),
  installed: lotRef.optional().describe('lot or sub-assembly unit put in (taken from its stock)'),
  quantity: z.int().positive().max(100_000).default(1).describe('parts put in (1 for a unit)'),
  designators: z.array(designator).max(1_000).default([]),
  removedTo: z
    .enum(['quarantined', 'scrapped'])
    .default('quarantined')
    .describe('where a removed sub-assembly unit goes'),
});

/** The facts history rules need about a lot. */
const deviceView = (lot: Lot) => ({ code: lot.code, status: lot.status, isDevice: lot.serial !== null });

/** Devices up the chain that hold `lot` (its holder, the holder's holder …). */
async function holders(repos: Repositories, lot: Lot): Promise<number[]> {
  const chain: number[] = [];
  let current: number = lot.id;
  for (let depth = 0; depth < 20; depth++) {
    const holder = await repos.devices.heldBy(current);
    if (!holder) break;
    chain.push(holder.id);
    current = holder.id;
  }
  return chain;
}

export const recordRepair = defineCommand({
  name: 'recordRepair',
  summary:
    'Record a repair (symptom, cause, action); components or sub-assembly units it replaced update the device genealogy and stock',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    code: lotRef,
    symptom: text(1_000),
    cause: optionalText(1_000),
    action: text(1_000),
    notes: optionalText(2_000),
    replacements: z.array(replacementInput).max(50).default([]),
  }),
  async run({ repos, actor }, { code, symptom, cause, action, notes, replacements }) {
    const device = await findLot(repos, 'code', code, true);
    assertRecordable(deviceView(device), 'repair');
    if (replacements.length > 0 && device.serial === null)
      throw ValidationError.field(
        'replacements',
        `lot ${device.code} is not a device (no serial number): only devices have their components replaced`,
      );
    const components = replacements.length > 0 ? await repos.devices.components(device.id) : [];
    const chain = replacements.length > 0 ? await holders(repos, device) : [];
    const used = new Set<number>();
    const plan: {
      removed: Lot | null;
      installed: Lot | null;
      quantity: number;
      designators: string[];
      removedTo: 'quarantined' | 'scrapped';
      line: Replacement;
      partId: number;
    }[] = [];
    for (const [i, r] of replacements.entries()) {
      const at = `replacements.${i}`;
      if (!r.removed && !r.installed)
        throw ValidationError.field(`${at}.removed`, 'give removed, installed or both');
      const removed = r.removed ? await findLot(repos, `${at}.removed`, r.removed, true) : null;
      const installed = r.installed ? await findLot(repos, `${at}.installed`, r.installed, true) : null;
      // A part replaced by another from the same lot names it twice in one line; across lines, once.
      const named = [removed, installed].filter((l): l is Lot => l !== null);
      for (const lot of named.filter((l, k) => named.findIndex((x) => x.id === l.id) === k)) {
        if (used.has(lot.id))
          throw ValidationError.field(at, `lot ${lot.code} is named twice in this repair`);
        used.add(lot.id);
      }
      if (removed && installed && removed.partId !== installed.partId)
        throw ValidationError.field(
          `${at}.installed`,
          `is of part ${installed.partCode}, but the lot taken out (${removed.code}) is of part ${removed.partCode}`,
        );
      if (removed) {
        const held = components.find((c) => c.lotId === removed.id);
        if (!held)
          throw new RuleViolation(
            `${at}.removed: ${removed.serial !== null ? 'unit' : 'lot'} ${removed.code} is not in device ${device.code}`,
          );
      }
      const isUnit = (removed ?? installed)!.serial !== null;
      if (installed) {
        if (installed.id === device.id || chain.includes(installed.id))
          throw new RuleViolation(`${at}.installed: ${installed.code} would end up inside itself`);
        if ((installed.serial !== null) !== isUnit)
          throw ValidationError.field(
            `${at}.installed`,
            isUnit
              ? 'must be a sub-assembly unit, like the one taken out'
              : 'must be a lot, like the one taken out',
          );
        if (installed.status !== 'available')
          throw new RuleViolation(`${at}.installed: ${installed.code} is ${installed.status}, not available`);
        if (isUnit && (await repos.devices.heldBy(installed.id)))
          throw new RuleViolation(`${at}.installed: unit ${installed.code} is already inside a device`);
        const need = isUnit ? 1 : r.quantity;
        if (installed.quantity < need)
          throw new RuleViolation(
            `${at}.installed: lot ${installed.code} holds ${installed.quantity}, ${need} needed`,
          );
      }
      if (isUnit && r.quantity !== 1)
        throw ValidationError.field(`${at}.quantity`, 'must be 1 for a sub-assembly unit');
      const part = (removed ?? installed)!;
      const partName = components.find((c) => c.partId === part.partId)?.partName ?? '';
      plan.push({
        removed,
        installed,
        quantity: isUnit ? 1 : r.quantity,
        designators: r.designators,
        removedTo: r.removedTo,
        partId: part.partId,
        line: {
          part: part.partCode,
          partName,
          removed: removed?.code ?? null,
          installed: installed?.code ?? null,
          quantity: isUnit ? 1 : r.quantity,
          unit: isUnit,
          designators: r.designators,
        },
      });
    }

    const [repair] = await recordEvents(repos, actor, [
      {
        lot: device,
        event: {
          kind: 'repair',
          data: {
            symptom,
            cause: cause ?? null,
            action,
            notes: notes ?? null,
            replacements: plan.map((p) => p.line),
          },
        },
      },
    ]);
    const ref = `repair of device ${device.code} (event ${repair!.id})`;
    for (const p of plan) {
      await repos.devices.recordChange({
        deviceLotId: device.id,
        historyEventId: repair!.id,
        partId: p.partId,
        removedLotId: p.removed?.id ?? null,
        installedLotId: p.installed?.id ?? null,
        quantity: p.quantity,
        isUnit: p.line.unit,
        designators: p.designators,
      });
      if (p.removed && p.line.unit) await takeOutUnit(repos, actor, device, p.removed, p.removedTo, ref);
      if (p.installed) {
        await repos.stock.move([
          { lotId: p.installed.id, delta: -p.quantity, reason: 'repair', note: ref, actor: actor.name },
        ]);
        const fitted = (await repos.lots.findById(p.installed.id))!;
        if (p.line.unit) {
          await repos.devices.linkUnit(device.id, p.installed.id);
          await recordEvents(repos, actor, [
            {
              lot: fitted,
              event: { kind: 'note', data: { text: `Fitted into device ${device.code} by ${ref}` } },
            },
          ]);
        }
      }
    }
    return recorded(repos, repair!);
  },
});

/** A sub-assembly unit taken out of a device goes back to stock, quarantined, or is scrapped. */
async function takeOutUnit(
  repos: Repositories,
  actor: Actor,
  device: Lot,
  unit: Lot,
  to: 'quarantined' | 'scrapped',
  ref: string,
) {
  await repos.devices.unlinkUnit(device.id, unit.id, ref);
  let current = unit;
  if (to === 'quarantined' && unit.quantity === 0) {
    await repos.stock.move([
      { lotId: unit.id, delta: 1, reason: 'repair', note: `taken out by ${ref}`, actor: actor.name },
    ]);
    current = (await repos.lots.findById(unit.id))!;
  }
  const reason = `taken out of device ${device.code} by ${ref}`;
  if (current.status === to) {
    await recordEvents(repos, actor, [{ lot: current, event: { kind: 'note', data: { text: reason } } }]);
    return;
  }
  await recordStatusChange(
    repos,
    actor,
    current,
    to,
    { kind: 'status_changed', data: { from: current.status, to, reason } },
    reason,
  );
}

// ---------------------------------------------------------------------------------------------
// Required tests

const findProject = (repos: Repositories, code: string, lock = false) =>
  findOrFail('project', 'code', code, (c) => repos.projects.findByCode(c, { lock }));

export const getRequiredTests = defineCommand({
  name: 'getRequiredTests',
  summary: "The tests a project's units must pass before they may be completed",
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ code: idCodeRef }),
  async run({ repos }, { code }) {
    const project = await findProject(repos, code);
    return { project: project.code, tests: await repos.tests.required(project.id) };
  },
});

export const setRequiredTests = defineCommand({
  name: 'setRequiredTests',
  summary:
    "Declare the tests a project's units must pass (latest result) before completion; a failed one quarantines the unit",
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ code: idCodeRef, tests: z.array(text(100)).max(50) }),
  async run({ repos }, { code, tests }) {
    const project = await findProject(repos, code, true);
    const { names, duplicate } = normalizeRequiredTests(tests);
    if (duplicate !== null)
      throw ValidationError.field(`tests.${duplicate}`, 'names a test twice (ignoring case)');
    return { project: project.code, tests: await repos.tests.replaceRequired(project.id, names) };
  },
});
