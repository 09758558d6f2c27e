/**
 * Traceability: backward (a device → its build → the component lots it was made from, with their
 * supplier data, through every level) and forward (a component lot → every build that used it →
 * every device containing it, through every level).
 */
import { z } from 'zod';
import { STOCK_STATUSES } from '../domain/types.ts';
import { defineCommand } from './define.ts';
import { findLot } from './lookup.ts';
import type { LotSummary, Repositories } from './ports.ts';
import { flag, lotRef, pageQuery } from './validation.ts';

const MAX_DEPTH = 10;
const MAX_NODES = 2_000;
const COMPONENTS_PER_BUILD = 500;

export interface TraceNode {
  lot: Omit<LotSummary, 'id' | 'buildId'>;
  build: { code: string; projectName: string; startedAt: Date | null; completedAt: Date | null } | null;
  /**
   * Lots the lot's build consumed (shared by every unit of that build), with the quantity used; for
   * a device, without those a repair took out and with those a repair put in (`installedBy`: the
   * repair's history event).
   */
  components: { quantity: number; node: TraceNode; installedBy?: number }[];
  /** Serialized sub-assembly units this device holds. */
  contains: TraceNode[];
  /** Set when the tree was cut (too deep or too many nodes). */
  truncated?: boolean;
}

const strip = ({ id: _id, buildId: _buildId, ...rest }: LotSummary) => rest;

async function backward(
  repos: Repositories,
  lot: LotSummary,
  depth: number,
  budget: { nodes: number },
  path: Set<number>,
): Promise<TraceNode> {
  budget.nodes--;
  const node: TraceNode = { lot: strip(lot), build: null, components: [], contains: [] };
  if (depth >= MAX_DEPTH || budget.nodes <= 0 || path.has(lot.id)) return { ...node, truncated: true };
  const nextPath = new Set(path).add(lot.id);
  // A device shows what it holds now: repairs may have taken component lots out or put others in.
  const removed = lot.serial !== null ? new Set(await repos.devices.removed(lot.id)) : null;
  if (lot.buildId !== null) {
    node.build = await repos.trace.build(lot.buildId);
    for (const { lot: component, quantity } of await repos.trace.sharedComponents(
      lot.buildId,
      COMPONENTS_PER_BUILD,
    )) {
      if (removed?.has(component.id)) continue;
      if (budget.nodes <= 0) {
        node.truncated = true;
        break;
      }
      node.components.push({ quantity, node: await backward(repos, component, depth + 1, budget, nextPath) });
    }
  }
  for (const fitted of lot.serial !== null ? await repos.devices.installed(lot.id) : []) {
    const component = await repos.trace.lot(fitted.lotId);
    if (!component) continue;
    if (budget.nodes <= 0) {
      node.truncated = true;
      break;
    }
    node.components.push({
      quantity: fitted.quantity,
      installedBy: fitted.historyEventId,
      node: await backward(repos, component, depth + 1, budget, nextPath),
    });
  }
  // Only units hold units (unit links join serialized units): a reel's node asks nothing more.
  for (const child of lot.serial !== null ? await repos.trace.children(lot.id) : []) {
    if (budget.nodes <= 0) {
      node.truncated = true;
      break;
    }
    node.contains.push(await backward(repos, child, depth + 1, budget, nextPath));
  }
  return node;
}

export const traceBackward = defineCommand({
  name: 'traceBackward',
  summary: 'Trace a device or lot back to the component lots it was built from, through every level',
  role: 'viewer',
  mode: 'read',
  reads: 'replica',
  input: z.strictObject({ code: lotRef }),
  run: async ({ repos }, { code }) => traceBackFrom(repos, (await findLot(repos, 'code', code)).id),
});

/** The backward trace of the lot with this id (what `traceBackward` answers). */
export async function traceBackFrom(repos: Repositories, lotId: number): Promise<TraceNode> {
  const lot = (await repos.trace.lot(lotId))!;
  return backward(repos, lot, 0, { nodes: MAX_NODES }, new Set());
}

const statusName = (status: string, ctx: z.RefinementCtx, path: (string | number)[]) => {
  if ((STOCK_STATUSES as readonly string[]).includes(status)) return true;
  ctx.addIssue({
    code: 'custom',
    path,
    message: `'${status}' is not a stock status (${STOCK_STATUSES.join(', ')})`,
  });
  return false;
};

/**
 * Stock statuses to keep, in either form, everywhere a status filter is taken (trace, recall): a list
 * (`["available","shipped"]`, or `?status=a&status=b`) or comma-separated text (`available,shipped`).
 */
export const statusFilter = z
  .union([z.array(z.string().max(50)).min(1).max(STOCK_STATUSES.length), z.string().max(200)])
  .transform((input, ctx) => {
    const list = (Array.isArray(input) ? input : input.split(',')).map((x) => x.trim()).filter(Boolean);
    if (!list.every((status, i) => statusName(status, ctx, Array.isArray(input) ? [i] : []))) return z.NEVER;
    return [...new Set(list)] as (typeof STOCK_STATUSES)[number][];
  })
  .describe('stock statuses: a list, or comma-separated text, e.g. available,shipped');

export const traceFilter = {
  status: statusFilter.optional(),
  from: z.iso.date().optional().describe('only lots whose build started on or after this day'),
  to: z.iso.date().optional().describe('only lots whose build started on or before this day'),
  unitsOnly: flag.optional().describe('only tracked devices (lots with a serial)'),
};

export const traceForward = defineCommand({
  name: 'traceForward',
  summary: 'Trace a component lot forward to every build and device containing it, through every level',
  role: 'viewer',
  mode: 'read',
  reads: 'replica',
  input: pageQuery.extend({ code: lotRef, ...traceFilter }),
  async run({ repos }, { code, status, from, to, unitsOnly, limit, cursor }) {
    const lot = await findLot(repos, 'code', code);
    const result = await repos.trace.forward(
      lot.id,
      { statuses: status, builtFrom: from, builtTo: to, unitsOnly },
      { limit, cursor },
    );
    return {
      lot: { code: lot.code, partCode: lot.partCode },
      ...result,
      items: result.page.items,
      nextCursor: result.page.nextCursor,
    };
  },
});
