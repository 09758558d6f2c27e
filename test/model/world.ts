/**
 * One production history's world: the model and the real system side by side, with the bindings
 * between the model's lot and build keys and the system's ID codes — and the comparison of every
 * answer after every step. Each world has parts and projects of its own, so histories share a
 * database without touching each other's stock.
 */
import { expect } from 'vitest';
import { execute } from '../../src/commands/define.ts';
import { createPart } from '../../src/commands/parts.ts';
import { createProject } from '../../src/commands/projects.ts';
import { SYSTEM_ACTOR } from '../../src/domain/roles.ts';
import type { TestContext } from '../helpers/context.ts';
import { Model, Refused, type MBuild } from './model.ts';
import { System, type TraceNode } from './system.ts';

/** Components A, B, C; a module M (1 A + 2 B); a product P (1 A + 2 C + 1 M). */
export const COMPONENTS = ['A', 'B', 'C'] as const;

export class World {
  readonly model = new Model();
  /** Model part or project key → ID code. */
  readonly parts = new Map<string, string>();
  readonly projectCodes = new Map<string, string>();
  /** Model lot key ↔ ID code; model build key → ID code. */
  readonly lotCodes = new Map<string, string>();
  readonly buildCodes = new Map<string, string>();
  /** What happened, for a failing run's report. */
  readonly log: string[] = [];
  /** Compare both traces of every lot after every step (else only at the end of a history). */
  traceEveryStep = true;

  private constructor(
    readonly ctx: TestContext,
    readonly system: System,
  ) {}

  static async create(ctx: TestContext, http: boolean, initial: number[]): Promise<World> {
    const world = new World(ctx, new System(ctx, http));
    const run = <T>(command: Parameters<typeof execute>[1], input: unknown) =>
      execute({ uow: ctx.uow }, command, SYSTEM_ACTOR, input) as Promise<T>;
    const tag = Math.random().toString(36).slice(2, 8);
    for (const part of COMPONENTS)
      world.parts.set(part, (await run<{ code: string }>(createPart, { name: `${part}-${tag}` })).code);
    const module = await run<{ code: string; producesPartCode: string }>(createProject, {
      name: `Module ${tag}`,
      lines: [
        { part: world.parts.get('A'), quantity: 1 },
        { part: world.parts.get('B'), quantity: 2 },
      ],
    });
    world.parts.set('M', module.producesPartCode);
    world.projectCodes.set('M', module.code);
    const product = await run<{ code: string; producesPartCode: string }>(createProject, {
      name: `Product ${tag}`,
      lines: [
        { part: world.parts.get('A'), quantity: 1 },
        { part: world.parts.get('C'), quantity: 2 },
        { part: module.producesPartCode, quantity: 1 },
      ],
    });
    world.parts.set('P', product.producesPartCode);
    world.projectCodes.set('P', product.code);
    world.model.addProject({
      key: 'M',
      produces: 'M',
      lines: [
        { part: 'A', perUnit: 1 },
        { part: 'B', perUnit: 2 },
      ],
    });
    world.model.addProject({
      key: 'P',
      produces: 'P',
      lines: [
        { part: 'A', perUnit: 1 },
        { part: 'C', perUnit: 2 },
        { part: 'M', perUnit: 1 },
      ],
    });
    for (const [i, quantity] of initial.entries()) await world.receive(COMPONENTS[i % 3]!, quantity);
    return world;
  }

  code(lotKey: string): string {
    const code = this.lotCodes.get(lotKey);
    if (!code) throw new Error(`no code bound to ${lotKey}`);
    return code;
  }

  keyOf(code: string): string {
    for (const [key, c] of this.lotCodes) if (c === code) return key;
    return `?${code}`;
  }

  async receive(part: string, quantity: number): Promise<void> {
    this.log.push(`receive ${part} ${quantity}`);
    const lot = this.model.receive(part, quantity);
    this.lotCodes.set(lot.key, await this.system.receive(this.parts.get(part)!, quantity));
  }

  /** Runs a request in both, checking that the system refuses exactly what the model refuses. */
  async both<T>(what: string, model: () => T, real: () => Promise<{ status: number; body: unknown }>) {
    this.log.push(what);
    let expected: T | Refused;
    try {
      expected = model();
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      expected = error;
    }
    const answer = await real();
    if (expected instanceof Refused)
      expect(
        answer.status,
        `${what}: the model refuses (${expected.message}); the system answered ${JSON.stringify(answer.body)}`,
      ).toBe(expected.status);
    else expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBeLessThan(300);
    return expected instanceof Refused ? null : expected;
  }

  async startBuild(input: {
    project: 'M' | 'P';
    quantity: number;
    tracked: boolean;
    stages: number;
    lots: string[];
    pairing: { serial: number; units: string[] }[];
  }): Promise<void> {
    const what = `start ${input.project}×${input.quantity}${input.tracked ? ' tracked' : ''}${input.stages ? ` stages ${input.stages}` : ''}${input.lots.length ? ` lots ${input.lots.join(',')}` : ''}${input.pairing.length ? ` pairing ${JSON.stringify(input.pairing)}` : ''}`;
    let code: string | undefined;
    const built = await this.both(
      what,
      () => this.model.startBuild(input),
      async () => {
        const answer = await this.system.startBuild({
          project: this.projectCodes.get(input.project)!,
          quantity: input.quantity,
          trackUnits: input.tracked,
          stages: Array.from({ length: input.stages }, (_, i) => `Stage ${i + 1}`),
          lots: input.lots.map((k) => this.code(k)),
          pairing: input.pairing.map((p) => ({ serial: p.serial, units: p.units.map((u) => this.code(u)) })),
        });
        code = answer.code;
        return answer;
      },
    );
    if (!built || !code) return;
    this.buildCodes.set(built.key, code);
    await this.#bindMade(built, code);
  }

  /** Binds the lots a build made to their ID codes. */
  async #bindMade(build: MBuild, code: string) {
    if (build.tracked) {
      const units = await this.system.units(code);
      expect(units.size, `units of ${build.key}`).toBe(build.quantity);
      for (const [i, key] of build.units.entries()) this.lotCodes.set(key, units.get(i + 1)!);
    } else if (build.produced) {
      const view = await this.system.build(code);
      const lot = view.operations.find((o) => o.kind === 'start')?.result?.lot;
      expect(typeof lot, `the lot ${build.key} made`).toBe('string');
      this.lotCodes.set(build.produced, lot as string);
    }
  }

  buildCode(key: string): string {
    return this.buildCodes.get(key)!;
  }

  // -------------------------------------------------------------------------------------------
  // Comparing

  /** Every answer of the system against the model's: lots, ledger, builds, and both traces. */
  async compare(traces = true): Promise<void> {
    const keys = [...this.lotCodes.keys()];
    const real = await this.system.lots(keys.map((k) => this.code(k)));
    for (const key of keys) {
      const m = this.model.lot(key);
      const r = real.get(this.code(key));
      expect(
        { lot: key, quantity: r?.quantity, status: r?.status, ledger: r?.ledger },
        this.#where(),
      ).toEqual({ lot: key, quantity: m.quantity, status: m.status, ledger: m.quantity });
    }
    for (const b of this.model.builds.values()) {
      const view = await this.system.build(this.buildCode(b.key));
      const { generated, completed, scrapped, cancelled, quantity } = view.progress;
      expect(
        { build: b.key, status: view.status, generated, completed, scrapped, cancelled, quantity },
        this.#where(),
      ).toEqual({
        build: b.key,
        status: b.status,
        generated: b.quantity,
        completed: b.completed,
        scrapped: b.scrapped,
        cancelled: b.cancelled,
        quantity: b.quantity,
      });
    }
    if (!traces) return;
    for (const key of keys) {
      const lot = this.model.lot(key);
      if (lot.serial !== undefined) {
        const tree = flatten(await this.system.backward(this.code(key)), this).sort();
        expect({ device: key, backward: tree }, this.#where()).toEqual({
          device: key,
          backward: this.model.backward(key).sort(),
        });
      }
      if (lot.serial === undefined || lot.part === 'M') {
        const reach = await this.system.forward(this.code(key));
        const named = Object.fromEntries([...reach].map(([code, depth]) => [this.keyOf(code), depth]));
        expect({ lot: key, forward: named }, this.#where()).toEqual({
          lot: key,
          forward: Object.fromEntries(this.model.forward(key)),
        });
      }
    }
  }

  #where(): string {
    return `after: ${this.log.join(' → ')}`;
  }
}

/** A backward tree as the model writes it: `path component:<key>x<qty>`, `path contains:<key>`. */
function flatten(node: TraceNode, world: World, path = ''): string[] {
  const out: string[] = [];
  for (const c of node.components) {
    const key = world.keyOf(c.node.lot.code);
    out.push(`${path}component:${key}x${c.quantity}`, ...flatten(c.node, world, `${path}${key}/`));
  }
  for (const child of node.contains) {
    const key = world.keyOf(child.lot.code);
    out.push(`${path}contains:${key}`, ...flatten(child, world, `${path}${key}/`));
  }
  return out;
}
