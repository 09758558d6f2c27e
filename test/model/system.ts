/**
 * The real system, as the model test drives and reads it: every request through the commands (as
 * workers, Slack and the CLI run them) or through the HTTP API, then a wait until the workers have
 * done what it asked; every answer read back through the same way.
 */
import { execute } from '../../src/commands/define.ts';
import {
  createBuild,
  getBuild,
  listUnits,
  advanceBuild,
  cancelBuild,
  completeBuild,
  scrapUnits,
} from '../../src/commands/builds.ts';
import { returnDevice, scrapDevice, shipDevice } from '../../src/commands/lifecycle.ts';
import { recordRepair } from '../../src/commands/history.ts';
import { receiveStock } from '../../src/commands/lots.ts';
import { traceBackward, traceForward } from '../../src/commands/trace.ts';
import { DomainError } from '../../src/domain/errors.ts';
import type { Build } from '../../src/domain/builds.ts';
import { presentBuild } from '../../src/http/routes/builds.ts';
import type { Actor } from '../../src/domain/roles.ts';
import type { TestContext } from '../helpers/context.ts';

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export interface BuildView {
  status: string;
  progress: { generated: number; completed: number; scrapped: number; cancelled: number; quantity: number };
  operations: { kind: string; status: string; result: Record<string, unknown> | null }[];
}

export interface TraceNode {
  lot: { code: string };
  components: { quantity: number; node: TraceNode }[];
  contains: TraceNode[];
}

const OPERATOR: Actor = { name: 'model', role: 'admin' };

/** The status a refused command would get over HTTP. */
function statusOf(error: unknown): number {
  if (!(error instanceof DomainError)) throw error;
  return { validation: 400, not_found: 404, conflict: 409, forbidden: 403, unauthenticated: 401, rule: 422 }[
    error.kind
  ];
}

export class System {
  /** How long a build's operations may take before the history fails. */
  settleTimeoutMs = 30_000;

  constructor(
    private readonly ctx: TestContext,
    /** true: every request over HTTP; false: through the commands. */
    readonly http: boolean,
  ) {}

  /** A write: answers its status and body (never throws for a refusal). */
  async #write(
    method: 'POST',
    path: string,
    command: Parameters<typeof execute>[1],
    input: Record<string, unknown>,
  ): Promise<Answer> {
    if (this.http) {
      const { code: _code, id: _id, ...body } = input;
      const res = await this.ctx.api(method, path, { body });
      return { status: res.status, body: res.body };
    }
    try {
      const result = (await execute({ uow: this.ctx.uow }, command, OPERATOR, input)) as Record<
        string,
        unknown
      >;
      return { status: 200, body: result };
    } catch (error) {
      return { status: statusOf(error), body: { detail: (error as Error).message } };
    }
  }

  async #read<T>(
    path: string,
    command: Parameters<typeof execute>[1],
    input: Record<string, unknown>,
  ): Promise<T> {
    if (this.http) {
      const res = await this.ctx.api('GET', path);
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.text}`);
      return res.body as T;
    }
    return (await execute({ uow: this.ctx.uow }, command, OPERATOR, input)) as T;
  }

  async receive(part: string, quantity: number): Promise<string> {
    const res = await this.#write('POST', '/api/v1/lots', receiveStock, { part, quantity });
    if (res.status >= 300) throw new Error(`receive: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.code as string;
  }

  async startBuild(input: {
    project: string;
    quantity: number;
    trackUnits: boolean;
    stages: string[];
    lots: string[];
    pairing: { serial: number; units: string[] }[];
  }): Promise<Answer & { code?: string }> {
    const res = await this.#write('POST', '/api/v1/builds', createBuild, {
      project: input.project,
      quantity: input.quantity,
      trackUnits: input.trackUnits,
      stages: input.stages,
      lots: input.lots.map((lot) => ({ lot })),
      pairing: input.pairing,
    });
    if (res.status >= 300) return res;
    const code = (res.body.build as { code: string }).code;
    await this.settle(code);
    return { ...res, code };
  }

  async advance(code: string): Promise<Answer> {
    return this.#after(
      code,
      await this.#write('POST', `/api/v1/builds/${code}/advance`, advanceBuild, { code }),
    );
  }

  async complete(code: string, serials?: number[]): Promise<Answer> {
    return this.#after(
      code,
      await this.#write('POST', `/api/v1/builds/${code}/complete`, completeBuild, {
        code,
        ...(serials ? { serials } : {}),
      }),
    );
  }

  async cancel(code: string): Promise<Answer> {
    return this.#after(
      code,
      await this.#write('POST', `/api/v1/builds/${code}/cancel`, cancelBuild, { code, reason: 'model' }),
    );
  }

  async scrapUnits(code: string, serials: number[]): Promise<Answer> {
    return this.#write('POST', `/api/v1/builds/${code}/units/scrap`, scrapUnits, {
      code,
      serials,
      reason: 'model',
    });
  }

  async ship(code: string): Promise<Answer> {
    return this.#write('POST', `/api/v1/lots/${code}/ship`, shipDevice, { code, customer: 'Acme' });
  }

  async ret(code: string): Promise<Answer> {
    return this.#write('POST', `/api/v1/lots/${code}/return`, returnDevice, {
      code,
      rma: 'RMA-1',
      reason: 'noise',
    });
  }

  async scrapDevice(code: string): Promise<Answer> {
    return this.#write('POST', `/api/v1/lots/${code}/scrap`, scrapDevice, { code, reason: 'dropped' });
  }

  async repair(code: string, replacements: { removed: string; installed: string }[]): Promise<Answer> {
    return this.#write('POST', `/api/v1/lots/${code}/repair`, recordRepair, {
      code,
      symptom: 'model',
      action: 'swapped',
      replacements: replacements.map((r) => ({ ...r, quantity: 1 })),
    });
  }

  /** Waits until the build's operations have run (its workers are done with what was asked). */
  async #after(code: string, answer: Answer): Promise<Answer> {
    if (answer.status < 300) await this.settle(code);
    return answer;
  }

  async settle(code: string, timeoutMs = this.settleTimeoutMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = (
        await this.ctx.db.raw<{ rows: { status: string; busy: boolean }[] }>(
          `SELECT b.status, EXISTS (SELECT 1 FROM build_operations o WHERE o.build_id = b.id AND o.status = 'queued') AS busy
           FROM builds b WHERE b.code = ?`,
          [code],
        )
      ).rows[0];
      if (row && row.status !== 'starting' && !row.busy) return;
      if (Date.now() > deadline) throw new Error(`build ${code} did not settle`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async build(code: string): Promise<BuildView> {
    const view = await this.#read<BuildView & Record<string, number>>(`/api/v1/builds/${code}`, getBuild, {
      code,
    });
    // The API folds the counters into `progress`; the command answers them as they are.
    return this.http ? view : (presentBuild(view as unknown as Build) as unknown as BuildView);
  }

  /** A tracked build's units, serial → code. */
  async units(code: string): Promise<Map<number, string>> {
    const page = await this.#read<{ items: { serial: number; code: string }[] }>(
      `/api/v1/builds/${code}/units?limit=500`,
      listUnits,
      { code, limit: 500 },
    );
    return new Map(page.items.map((u) => [u.serial, u.code]));
  }

  /** Quantity and status of lots, by code (read from the database: the API shows the same columns). */
  async lots(codes: string[]): Promise<Map<string, { quantity: number; status: string; ledger: number }>> {
    const rows = (
      await this.ctx.db.raw<{ rows: { code: string; quantity: number; status: string; ledger: number }[] }>(
        `SELECT l.code, l.quantity, l.status, coalesce((SELECT sum(delta) FROM stock_ledger s WHERE s.lot_id = l.id), 0)::int AS ledger
         FROM lots l WHERE l.code = ANY(?::text[])`,
        [codes],
      )
    ).rows;
    return new Map(rows.map((r) => [r.code, { quantity: r.quantity, status: r.status, ledger: r.ledger }]));
  }

  async forward(code: string): Promise<Map<string, number>> {
    const page = await this.#read<{ items: { code: string; depth: number }[]; nextCursor: string | null }>(
      `/api/v1/trace/forward/${code}?limit=500`,
      traceForward,
      { code, limit: 500 },
    );
    if (page.nextCursor) throw new Error('model worlds are small: one page of forward trace is enough');
    return new Map(page.items.map((i) => [i.code, i.depth]));
  }

  backward(code: string): Promise<TraceNode> {
    return this.#read(`/api/v1/trace/backward/${code}`, traceBackward, { code });
  }
}
