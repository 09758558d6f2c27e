/**
 * The operations a production history is made of, as fast-check commands: each runs on the model and
 * on the real system, checks they agree on whether it is refused, then compares every answer.
 * Targets (a build, a unit) are picked at run time from what exists, by index, so that a history
 * shrinks to a shorter one that still means something.
 */
import fc from 'fast-check';
import { Model, type MBuild, type MLot } from './model.ts';
import type { World } from './world.ts';

export interface Holder {
  world: World;
  /** Steps run in this process, by kind, for the soak's report. */
  steps: { n: number; byKind: Record<string, number> };
}

const pick = <T>(items: T[], i: number): T | undefined =>
  items.length ? items[i % items.length] : undefined;

abstract class Step implements fc.AsyncCommand<Holder, Holder> {
  abstract toString(): string;
  check(_m: Readonly<Holder>): boolean {
    return true;
  }
  async run(_m: Holder, r: Holder): Promise<void> {
    r.steps.n++;
    const kind = this.constructor.name;
    r.steps.byKind[kind] = (r.steps.byKind[kind] ?? 0) + 1;
    await this.act(r.world);
    await r.world.compare(r.world.traceEveryStep);
  }
  protected abstract act(world: World): Promise<void>;
}

const builds = (w: World, test: (b: MBuild) => boolean) => [...w.model.builds.values()].filter(test);
const units = (w: World, test: (l: MLot) => boolean) =>
  [...w.model.lots.values()].filter((l) => l.serial !== undefined && w.lotCodes.has(l.key) && test(l));

class Receive extends Step {
  constructor(
    readonly part: 'A' | 'B' | 'C',
    readonly quantity: number,
  ) {
    super();
  }
  override toString() {
    return `receive(${this.part}, ${this.quantity})`;
  }
  protected override act(w: World) {
    return w.receive(this.part, this.quantity);
  }
}

class Start extends Step {
  constructor(
    readonly project: 'M' | 'P',
    readonly quantity: number,
    readonly tracked: boolean,
    readonly stages: number,
    /** Name the newest lot of A instead of FIFO. */
    readonly nameLot: boolean,
    /** Pair the last module unit consumed into device 1 (not the default order). */
    readonly pairLast: boolean,
  ) {
    super();
  }
  override toString() {
    return `start(${this.project}, ${this.quantity}, ${this.tracked ? 'tracked' : 'untracked'}, stages ${this.stages}${this.nameLot ? ', named A' : ''}${this.pairLast ? ', pair last' : ''})`;
  }
  protected override async act(w: World) {
    const newestA = [...w.model.lots.values()]
      .filter((l) => l.part === 'A' && l.status === 'available' && l.quantity > 0)
      .sort((a, b) => b.seq - a.seq)[0];
    const lots = this.nameLot && newestA ? [newestA.key] : [];
    let pairing: { serial: number; units: string[] }[] = [];
    if (this.pairLast && this.project === 'P' && this.tracked) {
      const plan = w.model.plan('P', this.quantity, lots);
      const moduleUnits = plan.take.filter((t) => t.lot.serial !== undefined).map((t) => t.lot.key);
      if (plan.short.length === 0 && moduleUnits.length >= 2)
        pairing = [{ serial: 1, units: [moduleUnits.at(-1)!] }];
    }
    await w.startBuild({
      project: this.project,
      quantity: this.quantity,
      tracked: this.tracked,
      stages: this.stages,
      lots,
      pairing,
    });
  }
}

class Advance extends Step {
  constructor(readonly at: number) {
    super();
  }
  override toString() {
    return `advance(#${this.at})`;
  }
  override check(m: Readonly<Holder>) {
    return builds(m.world, (b) => b.status === 'in_progress' && b.stagesDone < b.stages).length > 0;
  }
  protected override async act(w: World) {
    const b = pick(
      builds(w, (x) => x.status === 'in_progress' && x.stagesDone < x.stages),
      this.at,
    )!;
    await w.both(
      `advance ${b.key}`,
      () => w.model.advance(b.key),
      () => w.system.advance(w.buildCode(b.key)),
    );
  }
}

class Complete extends Step {
  constructor(
    readonly at: number,
    /** Complete only some serials (a tracked build): every second one from this offset. */
    readonly some: number | null,
  ) {
    super();
  }
  override toString() {
    return `complete(#${this.at}${this.some === null ? '' : `, some from ${this.some}`})`;
  }
  override check(m: Readonly<Holder>) {
    return (
      builds(m.world, (b) => b.status === 'in_progress' && b.stages > 0 && b.stagesDone === b.stages).length >
      0
    );
  }
  protected override async act(w: World) {
    const b = pick(
      builds(w, (x) => x.status === 'in_progress' && x.stages > 0 && x.stagesDone === x.stages),
      this.at,
    )!;
    const serials =
      this.some !== null && b.tracked
        ? Array.from({ length: b.quantity }, (_, i) => i + 1).filter((s) => (s + this.some!) % 2 === 0)
        : undefined;
    if (serials?.length === 0) return;
    await w.both(
      `complete ${b.key}${serials ? ` serials ${serials.join(',')}` : ''}`,
      () => w.model.complete(b.key, serials),
      () => w.system.complete(w.buildCode(b.key), serials),
    );
  }
}

class Cancel extends Step {
  constructor(readonly at: number) {
    super();
  }
  override toString() {
    return `cancel(#${this.at})`;
  }
  override check(m: Readonly<Holder>) {
    return builds(m.world, (b) => b.status === 'in_progress').length > 0;
  }
  protected override async act(w: World) {
    const b = pick(
      builds(w, (x) => x.status === 'in_progress'),
      this.at,
    )!;
    await w.both(
      `cancel ${b.key}`,
      () => w.model.cancel(b.key),
      () => w.system.cancel(w.buildCode(b.key)),
    );
  }
}

class ScrapUnits extends Step {
  constructor(
    readonly at: number,
    readonly serials: number[],
  ) {
    super();
  }
  override toString() {
    return `scrapUnits(#${this.at}, ${this.serials.join(',')})`;
  }
  override check(m: Readonly<Holder>) {
    return builds(m.world, (b) => b.tracked).length > 0;
  }
  protected override async act(w: World) {
    const b = pick(
      builds(w, (x) => x.tracked),
      this.at,
    )!;
    const serials = [...new Set(this.serials.map((s) => (s % b.quantity) + 1))];
    await w.both(
      `scrap units ${b.key} ${serials.join(',')}`,
      () => w.model.scrapUnits(b.key, serials),
      () => w.system.scrapUnits(w.buildCode(b.key), serials),
    );
  }
}

class Ship extends Step {
  constructor(readonly at: number) {
    super();
  }
  override toString() {
    return `ship(#${this.at})`;
  }
  override check(m: Readonly<Holder>) {
    return (
      units(m.world, (l) => l.status === 'available' && l.quantity === 1 && !m.world.model.heldBy(l.key))
        .length > 0
    );
  }
  protected override async act(w: World) {
    const u = pick(
      units(w, (l) => l.status === 'available' && l.quantity === 1 && !w.model.heldBy(l.key)),
      this.at,
    )!;
    await w.both(
      `ship ${u.key}`,
      () => w.model.ship(u.key),
      () => w.system.ship(w.code(u.key)),
    );
  }
}

class Return extends Step {
  constructor(readonly at: number) {
    super();
  }
  override toString() {
    return `return(#${this.at})`;
  }
  override check(m: Readonly<Holder>) {
    return units(m.world, (l) => l.status === 'shipped').length > 0;
  }
  protected override async act(w: World) {
    const u = pick(
      units(w, (l) => l.status === 'shipped'),
      this.at,
    )!;
    await w.both(
      `return ${u.key}`,
      () => w.model.ret(u.key),
      () => w.system.ret(w.code(u.key)),
    );
  }
}

class ScrapDevice extends Step {
  constructor(readonly at: number) {
    super();
  }
  override toString() {
    return `scrapDevice(#${this.at})`;
  }
  override check(m: Readonly<Holder>) {
    return units(m.world, (l) => l.quantity === 1 && !m.world.model.heldBy(l.key)).length > 0;
  }
  protected override async act(w: World) {
    const u = pick(
      units(w, (l) => l.quantity === 1 && !w.model.heldBy(l.key)),
      this.at,
    )!;
    await w.both(
      `scrap device ${u.key}`,
      () => w.model.scrapDevice(u.key),
      () => w.system.scrapDevice(w.code(u.key)),
    );
  }
}

/** Devices a repair may open. */
const repairable = (w: World) => units(w, (l) => Model.REPAIRABLE.includes(l.status));

class RepairComponent extends Step {
  constructor(
    readonly at: number,
    readonly which: number,
    readonly from: number,
  ) {
    super();
  }
  override toString() {
    return `repairComponent(#${this.at}, #${this.which}, #${this.from})`;
  }
  override check(m: Readonly<Holder>) {
    return repairable(m.world).some((d) => m.world.model.componentsOf(d.key).length > 0);
  }
  protected override async act(w: World) {
    const device = pick(
      repairable(w).filter((d) => w.model.componentsOf(d.key).length > 0),
      this.at,
    )!;
    const removed = pick(w.model.componentsOf(device.key), this.which)!;
    const part = w.model.lot(removed).part;
    const spare = pick(
      [...w.model.lots.values()].filter(
        (l) =>
          l.part === part &&
          l.serial === undefined &&
          l.key !== removed &&
          l.status === 'available' &&
          l.quantity > 0,
      ),
      this.from,
    );
    if (!spare) return;
    await w.both(
      `repair ${device.key}: ${removed} → ${spare.key}`,
      () => w.model.repairComponent(device.key, removed, spare.key),
      () => w.system.repair(w.code(device.key), [{ removed: w.code(removed), installed: w.code(spare.key) }]),
    );
  }
}

class RepairUnit extends Step {
  constructor(
    readonly at: number,
    readonly from: number,
  ) {
    super();
  }
  override toString() {
    return `repairUnit(#${this.at}, #${this.from})`;
  }
  #devices(w: World) {
    return repairable(w).filter((d) => w.model.links.some((l) => l.parent === d.key && l.active));
  }
  override check(m: Readonly<Holder>) {
    return this.#devices(m.world).length > 0;
  }
  protected override async act(w: World) {
    const device = pick(this.#devices(w), this.at)!;
    const removed = w.model.links.find((l) => l.parent === device.key && l.active)!.child;
    const part = w.model.lot(removed).part;
    const spare = pick(
      units(
        w,
        (l) => l.part === part && l.status === 'available' && l.quantity === 1 && !w.model.heldBy(l.key),
      ),
      this.from,
    );
    if (!spare) return;
    await w.both(
      `repair ${device.key}: unit ${removed} → ${spare.key}`,
      () => w.model.repairUnit(device.key, removed, spare.key),
      () => w.system.repair(w.code(device.key), [{ removed: w.code(removed), installed: w.code(spare.key) }]),
    );
  }
}

const at = fc.nat({ max: 20 });

/** Every operation, with weights that make builds and their follow-ups common. */
const start = fc
  .tuple(
    fc.constantFrom('M', 'M', 'P' as const),
    fc.integer({ min: 1, max: 3 }),
    fc.boolean(),
    fc.constantFrom(0, 1, 1, 2),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([p, q, t, s, n, l]) => new Start(p, q, t, s, n, l));

export const COMMANDS = [
  fc
    .tuple(fc.constantFrom('A', 'B', 'C' as const), fc.integer({ min: 1, max: 30 }))
    .map(([p, q]) => new Receive(p, q)),
  start,
  start,
  start,
  at.map((i) => new Advance(i)),
  at.map((i) => new Advance(i)),
  fc.tuple(at, fc.option(fc.nat({ max: 1 }), { nil: null })).map(([i, s]) => new Complete(i, s)),
  fc.tuple(at, fc.option(fc.nat({ max: 1 }), { nil: null })).map(([i, s]) => new Complete(i, s)),
  at.map((i) => new Cancel(i)),
  fc
    .tuple(at, fc.array(fc.nat({ max: 5 }), { minLength: 1, maxLength: 3 }))
    .map(([i, s]) => new ScrapUnits(i, s)),
  at.map((i) => new Ship(i)),
  at.map((i) => new Ship(i)),
  at.map((i) => new Return(i)),
  at.map((i) => new Return(i)),
  at.map((i) => new ScrapDevice(i)),
  fc.tuple(at, at, at).map(([i, j, k]) => new RepairComponent(i, j, k)),
  fc.tuple(at, at).map(([i, j]) => new RepairUnit(i, j)),
  fc.tuple(at, at).map(([i, j]) => new RepairUnit(i, j)),
];

export {
  Advance,
  Cancel,
  Complete,
  Receive,
  RepairComponent,
  RepairUnit,
  Return,
  ScrapDevice,
  ScrapUnits,
  Ship,
  Start,
};
