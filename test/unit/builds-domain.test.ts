/**
 * The pure build rules: which lots a build consumes, what a cancel gives back, how sub-assembly
 * units pair with devices, serial ranges, chunks, build options, which operation a build allows now
 * and what a retry does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocate,
  assertOperationAllowed,
  checkBuildOptions,
  isGenerating,
  isMultiStage,
  nextChunk,
  pairUnits,
  parseSerialRanges,
  producedStatus,
  requirementsFor,
  retryPlan,
  returnPlan,
  type Build,
  type BuildOperation,
  type BuildStage,
  type BuildStatus,
  type CandidateLot,
  type RequestedOperationKind,
  type Requirement,
} from '../../src/domain/builds.ts';
import { RuleViolation, ValidationError } from '../../src/domain/errors.ts';

function makeBuild(overrides: Partial<Build> = {}): Build {
  return {
    id: 1,
    code: 'BLD0000001',
    projectId: 1,
    projectCode: 'PRJ0000001',
    projectName: 'Weather station',
    producedPartId: 7,
    producedPartCode: 'PRT0000007',
    quantity: 10,
    status: 'planned',
    trackUnits: false,
    addStock: true,
    stages: [],
    serialFormat: null,
    serialSeqStart: null,
    serialDate: null,
    unitsGenerated: 0,
    unitsCompleted: 0,
    unitsScrapped: 0,
    unitsCancelled: 0,
    note: null,
    createdBy: 'tester',
    createdAt: new Date('2026-01-01T00:00:00Z'),
    startedAt: null,
    completedAt: null,
    cancelledAt: null,
    startError: null,
    blocked: null,
    requestedLots: [],
    requestedPairing: [],
    locationCode: null,
    ...overrides,
  };
}

function stage(position: number, name: string, done = false): BuildStage {
  return {
    position,
    name,
    completedAt: done ? new Date('2026-01-02T00:00:00Z') : null,
    completedBy: done ? 'tester' : null,
    comment: null,
  };
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

/** Expects a ValidationError naming `field`, its message matching `message`. */
function expectInvalid(fn: () => unknown, field: string, message: RegExp): void {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).problems).toEqual([{ field, message: expect.stringMatching(message) }]);
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

const requirement = (partId: number, needed: number): Requirement => ({
  partId,
  partCode: `PRT${partId}`,
  partName: `part ${partId}`,
  needed,
});
const lot = (id: number, partId: number, quantity: number, isUnit = false): CandidateLot => ({
  id,
  code: `LOT${id}`,
  partId,
  quantity,
  isUnit,
});

describe('allocate', () => {
  /** Requirements of distinct parts (a BOM has one line per part) and each part's candidate lots. */
  const scenario = fc
    .uniqueArray(
      fc.record({
        partId: fc.integer({ min: 1, max: 40 }),
        needed: fc.nat({ max: 60 }),
        lots: fc.array(fc.nat({ max: 20 }), { maxLength: 6 }),
        listed: fc.boolean(),
      }),
      { selector: (p) => p.partId, maxLength: 8 },
    )
    .map((parts) => {
      let id = 0;
      const candidates = new Map<number, CandidateLot[]>();
      for (const p of parts.filter((p) => p.listed))
        candidates.set(
          p.partId,
          p.lots.map((quantity) => lot(++id, p.partId, quantity, id % 3 === 0)),
        );
      return { requirements: parts.map((p) => requirement(p.partId, p.needed)), candidates };
    });

  it('never takes more from a lot than the lot holds, and copies the lot it took from', () => {
    fc.assert(
      fc.property(scenario, ({ requirements, candidates }) => {
        const lots = new Map([...candidates.values()].flat().map((l) => [l.id, l]));
        const taken = new Map<number, number>();
        for (const a of allocate(requirements, candidates).allocations) {
          const from = lots.get(a.lotId)!;
          expect(a.quantity).toBeGreaterThan(0);
          expect(a).toMatchObject({ lotCode: from.code, partId: from.partId, isUnit: from.isUnit });
          taken.set(a.lotId, (taken.get(a.lotId) ?? 0) + a.quantity);
        }
        for (const [lotId, quantity] of taken)
          expect(quantity).toBeLessThanOrEqual(lots.get(lotId)!.quantity);
      }),
    );
  });

  it('covers each requirement exactly or reports it short with all there is, listing every shortage', () => {
    fc.assert(
      fc.property(scenario, ({ requirements, candidates }) => {
        const { allocations, shortages } = allocate(requirements, candidates);
        const expected: unknown[] = [];
        for (const req of requirements) {
          const available = sum((candidates.get(req.partId) ?? []).map((l) => l.quantity));
          const taken = sum(allocations.filter((a) => a.partId === req.partId).map((a) => a.quantity));
          const short = available < req.needed;
          if (short)
            expected.push({ part: req.partCode, partName: req.partName, needed: req.needed, available });
          expect(taken).toBe(short ? 0 : req.needed);
        }
        expect(shortages).toEqual(expected);
      }),
    );
  });

  it('takes lots in the order given, using a later lot only once every earlier one is exhausted', () => {
    fc.assert(
      fc.property(scenario, ({ requirements, candidates }) => {
        const { allocations } = allocate(requirements, candidates);
        for (const req of requirements) {
          const used = allocations.filter((a) => a.partId === req.partId);
          const lots = (candidates.get(req.partId) ?? []).filter((l) => l.quantity > 0);
          // The lots used are the first ones with stock, in order; all but the last are emptied.
          expect(used.map((a) => a.lotId)).toEqual(lots.slice(0, used.length).map((l) => l.id));
          for (const [i, a] of used.slice(0, -1).entries()) expect(a.quantity).toBe(lots[i]!.quantity);
        }
      }),
    );
  });

  it('lists both shortages when two parts are short, and still allocates the part that is not', () => {
    const result = allocate(
      [requirement(1, 10), requirement(2, 5), requirement(3, 4)],
      new Map([
        [1, [lot(1, 1, 3), lot(2, 1, 4)]],
        [3, [lot(3, 3, 0), lot(4, 3, 3), lot(5, 3, 9, true)]],
      ]),
    );
    expect(result.shortages).toEqual([
      { part: 'PRT1', partName: 'part 1', needed: 10, available: 7 },
      { part: 'PRT2', partName: 'part 2', needed: 5, available: 0 },
    ]);
    expect(result.allocations).toEqual([
      { lotId: 4, lotCode: 'LOT4', partId: 3, quantity: 3, isUnit: false },
      { lotId: 5, lotCode: 'LOT5', partId: 3, quantity: 1, isUnit: true },
    ]);
  });
});

describe('returnPlan', () => {
  /** Consumptions in the order they were made (ids ascending), some partly returned already. */
  const scenario = fc.record({
    consumptions: fc
      .array(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 20 }), fc.nat({ max: 25 })), {
        maxLength: 12,
      })
      .map((list) =>
        list.map(([partId, quantity, returned], i) => ({
          id: i + 1,
          lotId: 100 + i,
          partId,
          quantity,
          returned: Math.min(returned, quantity),
        })),
      ),
    perUnit: fc.dictionary(fc.constantFrom('1', '2', '3', '4'), fc.nat({ max: 5 })),
    unitsNotCompleted: fc.nat({ max: 10 }),
  });
  const perUnitMap = (perUnit: Record<string, number>) =>
    new Map(Object.entries(perUnit).map(([k, v]) => [Number(k), v]));

  it('returns per part exactly the smaller of what the missing units used and what is left', () => {
    fc.assert(
      fc.property(scenario, ({ consumptions, perUnit, unitsNotCompleted }) => {
        const perPart = perUnitMap(perUnit);
        const plan = returnPlan(consumptions, perPart, unitsNotCompleted);
        for (const partId of new Set(consumptions.map((c) => c.partId))) {
          const ofPart = consumptions.filter((c) => c.partId === partId);
          const left = sum(ofPart.map((c) => c.quantity - c.returned));
          const ids = new Set(ofPart.map((c) => c.id));
          const planned = sum(plan.filter((p) => ids.has(p.consumptionId)).map((p) => p.quantity));
          expect(planned).toBe(Math.min((perPart.get(partId) ?? 0) * unitsNotCompleted, left));
        }
      }),
    );
  });

  it('gives back from the newest consumption first, never more than one has left, to its lot', () => {
    fc.assert(
      fc.property(scenario, ({ consumptions, perUnit, unitsNotCompleted }) => {
        const plan = returnPlan(consumptions, perUnitMap(perUnit), unitsNotCompleted);
        const given = new Map(plan.map((p) => [p.consumptionId, p]));
        expect(given.size).toBe(plan.length);
        for (const partId of new Set(consumptions.map((c) => c.partId))) {
          const ofPart = consumptions.filter((c) => c.partId === partId);
          const ids = plan.map((p) => p.consumptionId).filter((id) => ofPart.some((c) => c.id === id));
          expect(ids).toEqual([...ids].sort((a, b) => b - a));
          for (const [i, c] of ofPart.entries()) {
            const p = given.get(c.id);
            if (!p) continue;
            expect(p.lotId).toBe(c.lotId);
            expect(p.quantity).toBeGreaterThan(0);
            expect(p.quantity).toBeLessThanOrEqual(c.quantity - c.returned);
            // An older consumption gives back only once every newer one has given back all it had left.
            for (const newer of ofPart.slice(i + 1))
              expect(given.get(newer.id)?.quantity ?? 0).toBe(newer.quantity - newer.returned);
          }
        }
      }),
    );
  });

  it('splits a return over the newest consumptions of a part', () => {
    const consumptions = [
      { id: 1, lotId: 11, partId: 1, quantity: 10, returned: 0 },
      { id: 2, lotId: 12, partId: 1, quantity: 4, returned: 1 },
      { id: 3, lotId: 13, partId: 1, quantity: 2, returned: 0 },
    ];
    expect(returnPlan(consumptions, new Map([[1, 3]]), 2)).toEqual([
      { consumptionId: 3, lotId: 13, quantity: 2 },
      { consumptionId: 2, lotId: 12, quantity: 3 },
      { consumptionId: 1, lotId: 11, quantity: 1 },
    ]);
  });
});

describe('allocate then returnPlan', () => {
  /** A BOM (distinct parts, quantity per unit), each part's lots, a build quantity and the units it made. */
  const scenario = fc
    .record({
      lines: fc.uniqueArray(
        fc.record({
          partId: fc.integer({ min: 1, max: 6 }),
          quantityPerUnit: fc.integer({ min: 1, max: 4 }),
          lots: fc.array(fc.nat({ max: 30 }), { minLength: 1, maxLength: 5 }),
        }),
        { selector: (l) => l.partId, minLength: 1, maxLength: 4 },
      ),
      quantity: fc.integer({ min: 1, max: 12 }),
      completedShare: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .map(({ lines, quantity, completedShare }) => {
      let id = 0;
      const candidates = new Map(
        lines.map((l) => [l.partId, l.lots.map((q) => lot(++id, l.partId, q, false))] as const),
      );
      const bom = lines.map((l) => ({
        partId: l.partId,
        partCode: `PRT${l.partId}`,
        partName: `part ${l.partId}`,
        quantityPerUnit: l.quantityPerUnit,
      }));
      const completed = Math.floor(completedShare * quantity);
      return { bom, candidates, quantity, completed };
    });

  /** Net quantity taken per lot. */
  const byLot = (
    entries: { lotId: number; quantity: number }[],
    sign = 1,
    into = new Map<number, number>(),
  ) => {
    for (const e of entries) into.set(e.lotId, (into.get(e.lotId) ?? 0) + sign * e.quantity);
    for (const [lotId, q] of into) if (q === 0) into.delete(lotId);
    return into;
  };

  it('a cancel of N units, k of them completed, leaves consumed what a build of k units takes, FIFO', () => {
    fc.assert(
      fc.property(scenario, ({ bom, candidates, quantity, completed }) => {
        const started = allocate(requirementsFor(bom, quantity), candidates);
        fc.pre(started.shortages.length === 0);
        const consumptions = started.allocations.map((a, i) => ({
          id: i + 1,
          lotId: a.lotId,
          partId: a.partId,
          quantity: a.quantity,
          returned: 0,
        }));
        const perUnit = new Map(bom.map((l) => [l.partId, l.quantityPerUnit]));
        const plan = returnPlan(consumptions, perUnit, quantity - completed);
        const net = byLot(plan, -1, byLot(started.allocations));
        // Returning the newest consumptions first undoes the allocation from its end: what stays
        // consumed is exactly what allocating for the completed units alone takes.
        expect(net).toEqual(byLot(allocate(requirementsFor(bom, completed), candidates).allocations));
      }),
    );
  });

  it('a cancel before any unit was completed gives every lot back all it gave', () => {
    fc.assert(
      fc.property(scenario, ({ bom, candidates, quantity }) => {
        const started = allocate(requirementsFor(bom, quantity), candidates);
        const consumptions = started.allocations.map((a, i) => ({ ...a, id: i + 1, returned: 0 }));
        const plan = returnPlan(
          consumptions,
          new Map(bom.map((l) => [l.partId, l.quantityPerUnit])),
          quantity,
        );
        expect(byLot(plan)).toEqual(byLot(started.allocations));
      }),
    );
  });
});

describe('pairUnits', () => {
  const units = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i + 1, code: `UNT${i + 1}` }));

  it('honours the named pairings and pairs the other devices with the remaining units in order', () => {
    const pairing = pairUnits(3, 2, units(6), new Map([[2, ['UNT5', 'UNT1']]]));
    expect([...pairing].sort(([a], [b]) => a - b)).toEqual([
      [1, [2, 3]],
      [2, [5, 1]],
      [3, [4, 6]],
    ]);
  });

  it('pairs no unit twice, keeps named units first and leaves no device short while a unit is free', () => {
    const scenario = fc
      .record({
        quantity: fc.integer({ min: 1, max: 8 }),
        perDevice: fc.integer({ min: 1, max: 3 }),
        // Per unit: the serial that names it (0 or beyond quantity: none).
        namedBy: fc.array(fc.integer({ min: 0, max: 10 }), { maxLength: 20 }),
      })
      .map(({ quantity, perDevice, namedBy }) => {
        const named = new Map<number, string[]>();
        namedBy.forEach((serial, i) => {
          if (serial >= 1 && serial <= quantity)
            named.set(serial, [...(named.get(serial) ?? []), `UNT${i + 1}`]);
        });
        return { quantity, perDevice, all: units(namedBy.length), named };
      });
    fc.assert(
      fc.property(scenario, ({ quantity, perDevice, all, named }) => {
        const pairing = pairUnits(quantity, perDevice, all, named);
        expect([...pairing.keys()].sort((a, b) => a - b)).toEqual(
          Array.from({ length: quantity }, (_, i) => i + 1),
        );
        const paired = [...pairing.values()].flat();
        expect(new Set(paired).size).toBe(paired.length);
        for (const [serial, codes] of named)
          expect(pairing.get(serial)!.slice(0, codes.length)).toEqual(codes.map((c) => Number(c.slice(3))));
        const namedIds = new Set([...named.values()].flat().map((c) => Number(c.slice(3))));
        const rest = all.map((u) => u.id).filter((id) => !namedIds.has(id));
        const filled = Array.from({ length: quantity }, (_, i) => i + 1).flatMap((serial) =>
          pairing.get(serial)!.slice(named.get(serial)?.length ?? 0),
        );
        expect(filled).toEqual(rest.slice(0, filled.length));
        for (const ids of pairing.values()) {
          if (paired.length < all.length) expect(ids.length).toBeGreaterThanOrEqual(perDevice);
        }
      }),
    );
  });

  it.each([
    ['an unknown unit code', new Map([[1, ['UNT9']]]), /unit UNT9 is not among the units/],
    [
      'a unit named for two devices',
      new Map([
        [1, ['UNT1']],
        [2, ['UNT1']],
      ]),
      /unit UNT1 is paired twice/,
    ],
    ['serial 0', new Map([[0, ['UNT1']]]), /serial 0 is not in this build \(1\.\.3\)/],
    ['a serial beyond the quantity', new Map([[4, ['UNT1']]]), /serial 4 is not in this build/],
  ])('refuses %s, naming the pairing', (_, named, message) => {
    expectInvalid(() => pairUnits(3, 1, units(3), named), 'pairing', message);
  });
});

describe('parseSerialRanges', () => {
  it('reads single serials and ranges, sorted and without duplicates', () => {
    expect(parseSerialRanges('1-5,9,12-14', 20)).toEqual([1, 2, 3, 4, 5, 9, 12, 13, 14]);
    expect(parseSerialRanges(' 9, 3 - 4,4 ,1,, 3', 20)).toEqual([1, 3, 4, 9]);
    expect(parseSerialRanges('20', 20)).toEqual([20]);
  });

  it('reads back any set of serials written as a list in any order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.array(fc.nat(), { minLength: 1 }), (max, raw) => {
        const serials = raw.map((n) => (n % max) + 1);
        expect(parseSerialRanges(serials.join(','), max)).toEqual(
          [...new Set(serials)].sort((a, b) => a - b),
        );
      }),
    );
  });

  it.each(['abc', '1-', '-3', '1..3', '1-2-3', '1.5', '#4', '12345678'])(
    "refuses '%s' as not a serial, naming the field",
    (text) =>
      expectInvalid(() => parseSerialRanges(text, 50, 'scrap'), 'scrap', /is not a serial or a range/),
  );

  it.each(['0', '5-3', '51', '49-51', '0-2'])("refuses '%s' as outside 1..50", (text) => {
    expectInvalid(() => parseSerialRanges(text, 50), 'serials', /is outside 1\.\.50/);
  });

  it.each(['', ' ', ' , ,'])("refuses '%s' as naming no serial", (text) => {
    expectInvalid(() => parseSerialRanges(text, 50, 'units'), 'units', /^names no serial$/);
  });
});

describe('nextChunk', () => {
  it('hands out the next serials up to the chunk size, then null', () => {
    expect(nextChunk(0, 10, 4)).toEqual({ first: 1, last: 4 });
    expect(nextChunk(8, 10, 4)).toEqual({ first: 9, last: 10 });
    expect(nextChunk(10, 10, 4)).toBeNull();
    expect(nextChunk(12, 10, 4)).toBeNull();
  });

  it('covers 1..quantity exactly once, in order, chunk after chunk', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 50 }), (quantity, size) => {
        const serials: number[] = [];
        for (let c = nextChunk(0, quantity, size); c; c = nextChunk(c.last, quantity, size)) {
          expect(c.last - c.first + 1).toBeLessThanOrEqual(size);
          for (let s = c.first; s <= c.last; s++) serials.push(s);
        }
        expect(serials).toEqual(Array.from({ length: quantity }, (_, i) => i + 1));
      }),
    );
  });
});

describe('requirementsFor', () => {
  it('multiplies each BOM line by the build quantity', () => {
    const lines = [
      { partId: 1, partCode: 'PRT1', partName: 'resistor', quantityPerUnit: 4 },
      { partId: 2, partCode: 'PRT2', partName: 'board', quantityPerUnit: 1 },
    ];
    expect(requirementsFor(lines, 25)).toEqual([
      { partId: 1, partCode: 'PRT1', partName: 'resistor', needed: 100 },
      { partId: 2, partCode: 'PRT2', partName: 'board', needed: 25 },
    ]);
    expect(requirementsFor([], 25)).toEqual([]);
  });
});

describe('checkBuildOptions', () => {
  const options = { quantity: 5, trackUnits: false, addStock: true, stages: [] as string[] };

  it('accepts consistent options', () => {
    expect(() => checkBuildOptions(options)).not.toThrow();
    expect(() =>
      checkBuildOptions({ ...options, trackUnits: true, stages: ['Solder', 'Test'] }),
    ).not.toThrow();
    expect(() => checkBuildOptions({ ...options, addStock: false })).not.toThrow();
  });

  it('refuses tracked units without adding stock', () => {
    const run = () => checkBuildOptions({ ...options, trackUnits: true, addStock: false });
    expectInvalid(run, 'addStock', /must be true when trackUnits is true/);
  });

  it('refuses a stage named twice, ignoring case, naming the second one', () => {
    const run = () => checkBuildOptions({ ...options, stages: ['Solder', 'Test', 'solder'] });
    expectInvalid(run, 'stages.2', /stage 'solder' is named twice/);
  });
});

describe('assertOperationAllowed', () => {
  const KINDS: RequestedOperationKind[] = ['start', 'advance', 'complete', 'cancel'];
  const STATUSES: BuildStatus[] = ['planned', 'starting', 'in_progress', 'blocked', 'completed', 'cancelled'];
  const tracked = (unitsGenerated: number) => ({ trackUnits: true, quantity: 10, unitsGenerated });
  const ALL = ['advance', 'complete', 'cancel'];
  /** Build shape, and the kinds it allows `in_progress` (written out independently of the module). */
  const SHAPES: [string, Partial<Build>, string[]][] = [
    ['single-stage', {}, []],
    ['single-stage tracked, generating', tracked(3), ['cancel']],
    ['single-stage tracked, generated', tracked(10), []],
    ['multi-stage, a stage left', { stages: [stage(1, 'Solder', true), stage(2, 'Test')] }, ALL],
    ['multi-stage, every stage done', { stages: [stage(1, 'Solder', true)] }, ['complete', 'cancel']],
    // Completing while units are still generated is refused by the complete command, not here.
    ['multi-stage tracked, generating', { ...tracked(3), stages: [stage(1, 'Solder')] }, ALL],
  ];
  const allowed = (status: BuildStatus, inProgress: string[]): string[] =>
    ({
      planned: ['start', 'cancel'],
      starting: ['cancel'],
      in_progress: inProgress,
      blocked: ['cancel'],
      completed: [],
      cancelled: [],
    })[status];

  for (const [shape, fields, inProgress] of SHAPES) {
    for (const status of STATUSES) {
      const ok = allowed(status, inProgress);
      it(`${shape}, ${status}: allows ${ok.join(', ') || 'nothing'}`, () => {
        const build = makeBuild({ ...fields, status });
        for (const kind of KINDS) {
          if (ok.includes(kind)) {
            expect(() => assertOperationAllowed(build, kind)).not.toThrow();
            continue;
          }
          const error = thrown(() => assertOperationAllowed(build, kind));
          expect(error).toBeInstanceOf(RuleViolation);
          expect((error as RuleViolation).message).toMatch(new RegExp(`^cannot ${kind} build BLD0000001: `));
        }
      });
    }
  }

  it('tells a blocked build to be retried or cancelled, with the reason', () => {
    const blocked = { reason: 'disk full', operation: 'generate' as const, operationId: 4, since: '' };
    expect(() => assertOperationAllowed(makeBuild({ status: 'blocked', blocked }), 'advance')).toThrow(
      'cannot advance build BLD0000001: it is blocked (disk full); retry or cancel it',
    );
    expect(() => assertOperationAllowed(makeBuild({ status: 'blocked' }), 'start')).toThrow(
      /it is blocked \(its work stopped\); retry or cancel it/,
    );
  });

  const inProgress = { status: 'in_progress' as const };
  it.each<[string, RequestedOperationKind, Partial<Build>, RegExp]>([
    ['completed', 'cancel', { status: 'completed' }, /: it is completed$/],
    ['starting', 'start', { status: 'starting' }, /: it is starting$/],
    ['single-stage', 'advance', inProgress, /: it has no stages$/],
    ['fully advanced', 'advance', { ...inProgress, stages: [stage(1, 'Test', true)] }, /every stage is/],
    ['started single-stage', 'cancel', inProgress, /a single-stage build is complete once started$/],
  ])('says why a %s build refuses to %s', (_, kind, fields, message) => {
    expect(() => assertOperationAllowed(makeBuild(fields), kind)).toThrow(message);
  });
});

describe('retryPlan', () => {
  const failed = (kind: BuildOperation['kind']) => ({ kind, params: { comment: 'again' } });

  it('continues the unit generation of a blocked build', () => {
    expect(retryPlan(makeBuild({ status: 'blocked' }), failed('cancel'))).toEqual({ kind: 'generate' });
  });

  it('starts again a planned build whose start failed', () => {
    const build = makeBuild({ status: 'planned', startError: { message: 'short of PRT1' } });
    expect(retryPlan(build, null)).toEqual({ kind: 'start', params: {} });
  });

  it.each(['advance', 'complete', 'cancel'] as const)(
    'requests a failed %s again, with its params',
    (kind) => {
      const plan = retryPlan(makeBuild({ status: 'in_progress' }), failed(kind));
      expect(plan).toEqual({ kind, params: { comment: 'again' } });
    },
  );

  it.each([
    ['no failed operation', 'in_progress', null],
    ['a failed start without a start error', 'planned', failed('start')],
    ['a failed generate', 'in_progress', failed('generate')],
  ] as const)('has nothing to retry with %s', (_, status, lastFailed) => {
    const run = () => retryPlan(makeBuild({ status }), lastFailed);
    expect(thrown(run)).toBeInstanceOf(RuleViolation);
    expect(run).toThrow(`build BLD0000001 has nothing to retry: it is ${status}`);
  });
});

describe('build shape', () => {
  it('is generating only while a tracked build has units left to generate', () => {
    expect(isGenerating({ trackUnits: false, unitsGenerated: 0, quantity: 10 })).toBe(false);
    expect(isGenerating({ trackUnits: true, unitsGenerated: 9, quantity: 10 })).toBe(true);
    expect(isGenerating({ trackUnits: true, unitsGenerated: 10, quantity: 10 })).toBe(false);
  });

  it('produces stock in production for a multi-stage build and available stock otherwise', () => {
    expect(isMultiStage({ stages: [] })).toBe(false);
    expect(producedStatus({ stages: [] })).toBe('available');
    expect(isMultiStage({ stages: [stage(1, 'Test')] })).toBe(true);
    expect(producedStatus({ stages: [stage(1, 'Test')] })).toBe('in_production');
  });
});
