/**
 * A reference model of buildtrace's stock and traceability rules, written from the product brief and
 * the README, sharing no code with `src/`: parts, lots, projects, builds (tracked or not, single or
 * multi-stage, FIFO or named lots, pairing), completion, cancel, scrap, ship, return. For any state it
 * answers every lot's quantity and status, every build's counters, each device's backward tree and
 * every lot's forward reach.
 *
 * Lots are named by a model key (`A#1`, `unit:b3#2`); the real ID code is bound to the key once the
 * system has made the lot.
 */

export type Status =
  'in_production' | 'available' | 'quarantined' | 'shipped' | 'scrapped' | 'returned' | 'cancelled';
export type BuildStatus = 'in_progress' | 'completed' | 'cancelled';

export interface MLot {
  key: string;
  part: string;
  quantity: number;
  status: Status;
  /** Creation order: FIFO consumes the oldest first. */
  seq: number;
  /** The build that made it, and its serial for a tracked unit. */
  build?: string;
  serial?: number;
}

export interface MConsumption {
  lot: string;
  part: string;
  quantity: number;
  returned: number;
}

export interface MBuild {
  key: string;
  project: string;
  quantity: number;
  tracked: boolean;
  stages: number;
  stagesDone: number;
  status: BuildStatus;
  completed: number;
  scrapped: number;
  /** Units (or in-production stock) a cancel took out unfinished. */
  cancelled: number;
  consumptions: MConsumption[];
  /** Tracked: unit keys by serial − 1. Untracked: the produced lot, if any. */
  units: string[];
  produced?: string;
}

export interface MProject {
  key: string;
  produces: string;
  lines: { part: string; perUnit: number }[];
}

export interface MLink {
  child: string;
  parent: string;
  build: string;
  active: boolean;
}

/** Why a request is refused, as the system should answer it. */
export class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class Model {
  readonly lots = new Map<string, MLot>();
  readonly builds = new Map<string, MBuild>();
  readonly projects = new Map<string, MProject>();
  readonly links: MLink[] = [];
  /**
   * What repairs did to each device's component lots: whether the latest change put a lot in
   * (present) or took it out, and how much of each lot repairs put in (taking a lot out clears it).
   */
  readonly repaired = new Map<string, { present: Map<string, boolean>; held: Map<string, number> }>();
  #seq = 0;
  #lotCount = 0;
  #buildCount = 0;

  addProject(project: MProject): void {
    this.projects.set(project.key, project);
  }

  receive(part: string, quantity: number): MLot {
    return this.#newLot({ part, quantity, status: 'available' }, `${part}#${++this.#lotCount}`);
  }

  #newLot(lot: Omit<MLot, 'key' | 'seq'>, key: string): MLot {
    const made: MLot = { ...lot, key, seq: ++this.#seq };
    this.lots.set(key, made);
    return made;
  }

  lot(key: string): MLot {
    const lot = this.lots.get(key);
    if (!lot) throw new Error(`model: no lot ${key}`);
    return lot;
  }

  build(key: string): MBuild {
    const build = this.builds.get(key);
    if (!build) throw new Error(`model: no build ${key}`);
    return build;
  }

  /** A unit held by a device (an active link). */
  heldBy(unit: string): string | null {
    return this.links.find((l) => l.child === unit && l.active)?.parent ?? null;
  }

  /** Lots FIFO would take from, for a part: available, with stock, oldest first. */
  candidates(part: string, named?: string[]): MLot[] {
    if (named) return named.map((k) => this.lot(k)).filter((l) => l.status === 'available' && l.quantity > 0);
    return [...this.lots.values()]
      .filter((l) => l.part === part && l.status === 'available' && l.quantity > 0)
      .sort((a, b) => a.seq - b.seq);
  }

  /**
   * What a build of `quantity` would consume, FIFO or from the lots named for their part, or the
   * shortages: every part short, with what it needs and has.
   */
  plan(
    project: string,
    quantity: number,
    namedLots: string[] = [],
  ): {
    take: { lot: MLot; quantity: number }[];
    short: { part: string; needed: number; available: number }[];
  } {
    const p = this.projects.get(project)!;
    const take: { lot: MLot; quantity: number }[] = [];
    const short: { part: string; needed: number; available: number }[] = [];
    for (const line of p.lines) {
      const named = namedLots.filter((k) => this.lot(k).part === line.part);
      const lots = this.candidates(line.part, named.length > 0 ? named : undefined);
      const needed = line.perUnit * quantity;
      const available = lots.reduce((n, l) => n + l.quantity, 0);
      if (available < needed) {
        short.push({ part: line.part, needed, available });
        continue;
      }
      let left = needed;
      for (const lot of lots) {
        if (left === 0) break;
        const q = Math.min(left, lot.quantity);
        take.push({ lot, quantity: q });
        left -= q;
      }
    }
    return { take, short };
  }

  /**
   * A build accepted and started (the system answers 201 and its workers run it): consumption,
   * produced stock, units and their links to the sub-assembly units they hold.
   */
  startBuild(input: {
    project: string;
    quantity: number;
    tracked: boolean;
    stages: number;
    lots?: string[];
    pairing?: { serial: number; units: string[] }[];
  }): MBuild {
    const { take, short } = this.plan(input.project, input.quantity, input.lots);
    if (short.length > 0)
      throw new Refused(
        422,
        `short of ${short.map((s) => `${s.part} (${s.needed}/${s.available})`).join(', ')}`,
      );
    const project = this.projects.get(input.project)!;
    const key = `b${++this.#buildCount}`;
    const multi = input.stages > 0;
    const build: MBuild = {
      key,
      project: input.project,
      quantity: input.quantity,
      tracked: input.tracked,
      stages: input.stages,
      stagesDone: 0,
      status: multi ? 'in_progress' : 'completed',
      completed: multi ? 0 : input.quantity,
      scrapped: 0,
      cancelled: 0,
      consumptions: [],
      units: [],
    };
    for (const t of take) {
      t.lot.quantity -= t.quantity;
      build.consumptions.push({ lot: t.lot.key, part: t.lot.part, quantity: t.quantity, returned: 0 });
    }
    const status: Status = multi ? 'in_production' : 'available';
    if (!input.tracked) {
      build.produced = this.#newLot(
        { part: project.produces, quantity: input.quantity, status, build: key },
        `lot:${key}`,
      ).key;
    } else {
      for (let serial = 1; serial <= input.quantity; serial++)
        build.units.push(
          this.#newLot(
            { part: project.produces, quantity: 1, status, build: key, serial },
            `unit:${key}#${serial}`,
          ).key,
        );
      this.#pair(build, project, input.pairing ?? []);
    }
    this.builds.set(key, build);
    return build;
  }

  /** Consumed units go into devices: the named ones where named, the rest in consumption order. */
  #pair(build: MBuild, project: MProject, pairing: { serial: number; units: string[] }[]) {
    const consumedUnits = build.consumptions.filter((c) => this.lot(c.lot).serial !== undefined);
    for (const line of project.lines) {
      const units = consumedUnits.filter((c) => c.part === line.part).map((c) => c.lot);
      if (units.length === 0) continue;
      const used = new Set<string>();
      const held = new Map<number, string[]>();
      for (const p of pairing) {
        const mine = p.units.filter((u) => units.includes(u));
        if (mine.length === 0) continue;
        held.set(p.serial, mine);
        for (const u of mine) used.add(u);
      }
      const rest = units.filter((u) => !used.has(u));
      let next = 0;
      for (let serial = 1; serial <= build.quantity; serial++) {
        const have = held.get(serial) ?? [];
        while (have.length < line.perUnit && next < rest.length) have.push(rest[next++]!);
        for (const child of have)
          this.links.push({ child, parent: build.units[serial - 1]!, build: build.key, active: true });
      }
    }
  }

  advance(key: string): void {
    const b = this.build(key);
    if (b.status !== 'in_progress' || b.stagesDone >= b.stages) throw new Refused(422, 'no stage left');
    b.stagesDone++;
  }

  /** Completes a multi-stage build whose stages are done: all its units, or the serials named. */
  complete(key: string, serials?: number[]): number {
    const b = this.build(key);
    if (b.status !== 'in_progress' || b.stages === 0) throw new Refused(422, `build is ${b.status}`);
    if (b.stagesDone < b.stages) throw new Refused(422, 'advance first');
    let now = 0;
    if (b.tracked) {
      for (const [i, unit] of b.units.entries()) {
        if (serials && !serials.includes(i + 1)) continue;
        const lot = this.lot(unit);
        if (lot.status === 'in_production') {
          lot.status = 'available';
          now++;
        }
      }
    } else {
      if (b.produced && this.lot(b.produced).status === 'in_production')
        this.lot(b.produced).status = 'available';
      now = b.quantity - b.completed - b.scrapped;
    }
    b.completed += now;
    this.#completeIfResolved(b);
    return now;
  }

  #completeIfResolved(b: MBuild) {
    if (b.status === 'in_progress' && b.completed + b.scrapped >= b.quantity) b.status = 'completed';
  }

  /**
   * Cancels a multi-stage build in progress: its in-production stock is removed (tracked units
   * become cancelled, holding nothing any more; the build counts them), and the components of the units not completed go
   * back to their lots — consumed units no device holds, then the rest newest first.
   */
  cancel(key: string): { removed: number; returned: number } {
    const b = this.build(key);
    if (b.status !== 'in_progress') throw new Refused(422, `build is ${b.status}`);
    let removed = 0;
    let returned = 0;
    const notCompleted = b.quantity - b.completed - b.scrapped;
    const give = (c: MConsumption, q: number) => {
      c.returned += q;
      this.lot(c.lot).quantity += q;
      returned += q;
    };
    if (b.tracked) {
      const gone: string[] = [];
      for (const unit of b.units) {
        const lot = this.lot(unit);
        if (lot.status === 'in_production' && lot.quantity === 1) {
          lot.status = 'cancelled';
          lot.quantity = 0;
          gone.push(unit);
          removed++;
        }
      }
      for (const l of this.links) if (l.active && gone.includes(l.parent)) l.active = false;
      for (const c of b.consumptions) {
        const unit = this.lot(c.lot).serial !== undefined;
        if (!unit || c.returned >= c.quantity) continue;
        if (!this.links.some((l) => l.child === c.lot && l.active)) give(c, 1);
      }
      this.#returnPlan(
        b.consumptions.filter((c) => this.lot(c.lot).serial === undefined),
        b.project,
        notCompleted,
        give,
      );
    } else {
      if (b.produced) {
        const lot = this.lot(b.produced);
        if (lot.status === 'in_production') {
          removed = lot.quantity;
          lot.quantity = 0;
          lot.status = 'cancelled';
        }
      }
      this.#returnPlan(b.consumptions, b.project, notCompleted, give);
    }
    b.status = 'cancelled';
    b.cancelled += removed;
    return { removed, returned };
  }

  #returnPlan(
    consumptions: MConsumption[],
    project: string,
    notCompleted: number,
    give: (c: MConsumption, q: number) => void,
  ) {
    const lines = this.projects.get(project)!.lines;
    for (const line of lines) {
      let left = line.perUnit * notCompleted;
      for (const c of [...consumptions].reverse()) {
        if (c.part !== line.part || left === 0) continue;
        const q = Math.min(left, c.quantity - c.returned);
        if (q > 0) {
          give(c, q);
          left -= q;
        }
      }
    }
  }

  /**
   * Scraps some units of a tracked build, in production, available or quarantined (here: a unit a
   * repair took out, so one completed before); answers the serials scrapped.
   */
  scrapUnits(key: string, serials: number[]): number[] {
    const b = this.build(key);
    const done: number[] = [];
    let fromStock = 0;
    for (const s of serials) {
      const lot = this.lot(b.units[s - 1]!);
      if (lot.quantity !== 1 || !['in_production', 'available', 'quarantined'].includes(lot.status)) continue;
      if (lot.status !== 'in_production') fromStock++;
      lot.status = 'scrapped';
      lot.quantity = 0;
      done.push(s);
    }
    if (done.length === 0) throw new Refused(422, 'none of those units can be scrapped');
    b.scrapped += done.length;
    // An available unit of a multi-stage build had been completed; every unit of a single-stage one.
    b.completed -= fromStock;
    this.#completeIfResolved(b);
    return done.sort((x, y) => x - y);
  }

  /**
   * Scraps one device no other device holds, by its own code: in production (its build counts it
   * scrapped), or already completed — available, quarantined (a unit a repair took out) or returned —
   * (it moves from the build's completed units to its scrapped ones).
   */
  scrapDevice(unit: string): void {
    const lot = this.lot(unit);
    if (
      lot.serial === undefined ||
      lot.quantity !== 1 ||
      this.heldBy(unit) ||
      !['in_production', 'available', 'quarantined', 'returned'].includes(lot.status)
    )
      throw new Refused(422, 'cannot scrap');
    const b = this.build(lot.build!);
    if (lot.status !== 'in_production') b.completed--;
    lot.status = 'scrapped';
    lot.quantity = 0;
    b.scrapped++;
    this.#completeIfResolved(b);
  }

  /** Ships an available device that no other device holds. */
  ship(unit: string): void {
    const lot = this.lot(unit);
    if (lot.serial === undefined || lot.status !== 'available' || lot.quantity !== 1 || this.heldBy(unit))
      throw new Refused(422, 'cannot ship');
    lot.status = 'shipped';
  }

  ret(unit: string): void {
    const lot = this.lot(unit);
    if (lot.status !== 'shipped') throw new Refused(422, 'not shipped');
    lot.status = 'returned';
  }

  // -------------------------------------------------------------------------------------------
  // Repairs

  #repairState(device: string) {
    let state = this.repaired.get(device);
    if (!state) {
      state = { present: new Map(), held: new Map() };
      this.repaired.set(device, state);
    }
    return state;
  }

  /** The component lots a device holds now (not units): its build's, less those taken out, plus those put in. */
  componentsOf(device: string): string[] {
    const d = this.lot(device);
    const state = this.repaired.get(device);
    const out: string[] = [];
    if (d.build)
      for (const c of this.build(d.build).consumptions)
        if (
          c.quantity > c.returned &&
          this.lot(c.lot).serial === undefined &&
          !this.#everLinked(c.lot, d.build) &&
          state?.present.get(c.lot) !== false
        )
          out.push(c.lot);
    for (const [lot, present] of state?.present ?? []) if (present) out.push(lot);
    return [...new Set(out)];
  }

  static readonly REPAIRABLE: Status[] = ['in_production', 'available', 'quarantined', 'returned'];

  /** A repair that takes a component lot out of a device and puts one part of another lot of the part in. */
  repairComponent(device: string, removed: string, installed: string): void {
    const d = this.lot(device);
    const out = this.lot(removed);
    const put = this.lot(installed);
    if (d.serial === undefined || !Model.REPAIRABLE.includes(d.status))
      throw new Refused(422, 'not repairable');
    if (!this.componentsOf(device).includes(removed))
      throw new Refused(422, `${removed} is not in ${device}`);
    if (put.part !== out.part || put.serial !== undefined || removed === installed)
      throw new Refused(400, 'not a like lot');
    if (put.status !== 'available' || put.quantity < 1) throw new Refused(422, `${installed} cannot be used`);
    put.quantity -= 1;
    const state = this.#repairState(device);
    state.present.set(removed, false);
    state.held.delete(removed);
    state.present.set(installed, true);
    state.held.set(installed, (state.held.get(installed) ?? 0) + 1);
  }

  /** A repair that swaps a sub-assembly unit: the old one out to quarantine, an available one in. */
  repairUnit(device: string, removed: string, installed: string): void {
    const d = this.lot(device);
    const put = this.lot(installed);
    if (d.serial === undefined || !Model.REPAIRABLE.includes(d.status))
      throw new Refused(422, 'not repairable');
    if (this.heldBy(removed) !== device) throw new Refused(422, `${removed} is not in ${device}`);
    if (put.status !== 'available' || put.quantity !== 1 || this.heldBy(installed) || installed === device)
      throw new Refused(422, `${installed} cannot be fitted`);
    for (const l of this.links) if (l.active && l.child === removed && l.parent === device) l.active = false;
    const out = this.lot(removed);
    out.quantity = 1;
    out.status = 'quarantined';
    put.quantity = 0;
    this.links.push({ child: installed, parent: device, build: d.build!, active: true });
  }

  // -------------------------------------------------------------------------------------------
  // Traceability

  /** Whether a consumed lot was ever linked to a device of the consuming build. */
  #everLinked(lot: string, build: string): boolean {
    return this.links.some((l) => l.child === lot && l.build === build);
  }

  /**
   * What a lot leads to: the devices holding it; every lot of each build that consumed it (but a
   * device a repair took it out of); the devices a repair put it in.
   */
  #edgesFrom(lot: string): string[] {
    const out = this.links.filter((l) => l.child === lot && l.active).map((l) => l.parent);
    for (const b of this.builds.values()) {
      for (const c of b.consumptions) {
        if (c.lot !== lot || c.returned >= c.quantity || this.#everLinked(lot, b.key)) continue;
        out.push(
          ...[...this.lots.values()]
            .filter((l) => l.build === b.key && this.repaired.get(l.key)?.present.get(lot) !== false)
            .map((l) => l.key),
        );
      }
    }
    for (const [device, state] of this.repaired) if (state.present.get(lot)) out.push(device);
    return out;
  }

  /** Every lot a lot reaches, with its shortest depth. */
  forward(lot: string): Map<string, number> {
    const depth = new Map<string, number>();
    let frontier = [lot];
    for (let d = 1; frontier.length > 0 && d <= 10; d++) {
      const next: string[] = [];
      for (const from of frontier)
        for (const to of this.#edgesFrom(from))
          if (!depth.has(to) && to !== lot) {
            depth.set(to, d);
            next.push(to);
          }
      frontier = next;
    }
    return depth;
  }

  /**
   * A lot's backward tree, flattened to lines `path component:<lot>x<qty>` and `path contains:<lot>`:
   * the lots its build consumed (what it kept of each, units it never linked) and the units it holds.
   */
  backward(lot: string, path = ''): string[] {
    const l = this.lot(lot);
    const out: string[] = [];
    const state = this.repaired.get(lot);
    if (l.build) {
      const b = this.build(l.build);
      for (const c of b.consumptions) {
        const kept = c.quantity - c.returned;
        if (kept <= 0 || this.#everLinked(c.lot, b.key) || state?.present.get(c.lot) === false) continue;
        out.push(`${path}component:${c.lot}x${kept}`);
        out.push(...this.backward(c.lot, `${path}${c.lot}/`));
      }
    }
    for (const [installed, quantity] of state?.held ?? []) {
      out.push(`${path}component:${installed}x${quantity}`);
      out.push(...this.backward(installed, `${path}${installed}/`));
    }
    for (const link of this.links.filter((k) => k.parent === lot && k.active)) {
      out.push(`${path}contains:${link.child}`);
      out.push(...this.backward(link.child, `${path}${link.child}/`));
    }
    return out;
  }
}
