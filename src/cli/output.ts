/**
 * What the CLI prints. `--json` prints a command's result exactly as the API answers it (the route
 * that runs the same command presents it, through the same response schema), so a script can switch
 * between `buildtrace … --json` and the API without a second parser. Without it, a few lines a
 * person reads at a terminal.
 */
import type { Command } from '../commands/define.ts';
import { apiRoutes } from '../http/routes/index.ts';

/** The command's result as the API's route for that command answers it. */
export function asApi(command: Command, result: unknown): unknown {
  const route = apiRoutes.find((r) => r.command === command && !r.file);
  const presented = route?.present ? route.present(result as never, undefined as never) : result;
  const plain: unknown = JSON.parse(JSON.stringify(presented ?? null));
  return route?.response ? route.response.parse(plain) : plain;
}

export interface Out {
  json: boolean;
  write(text: string): void;
}

export function printJson(out: Out, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

type Obj = Record<string, unknown>;
const str = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : String(v));

export function buildLine(b: Obj): string {
  const p = (b.progress ?? {}) as Obj;
  const tracked = b.trackUnits ? ` · ${str(p.generated)}/${str(b.quantity)} generated` : '';
  const done = ` · ${str(p.completed)} completed`;
  const blocked = b.blocked ? ` · blocked: ${str((b.blocked as Obj).reason)}` : '';
  return `${str(b.code)}  ${str(b.status)}  ${str(b.quantity)} × ${str(b.projectName)} (${str(b.projectCode)})${tracked}${done}${blocked}`;
}

export function buildText(b: Obj): string {
  const lines = [buildLine(b)];
  const ops = (b.operations ?? []) as Obj[];
  for (const op of ops.slice(-5))
    lines.push(`  ${str(op.kind)} ${str(op.status)}${op.error ? ` — ${str(op.error)}` : ''}`);
  return lines.join('\n');
}

export function lotLine(l: Obj): string {
  const serial = l.serialLabel ? ` ${str(l.serialLabel)}` : '';
  const at = l.locationCode ? ` @ ${str(l.locationCode)}` : '';
  return `${str(l.code)}${serial}  part ${str(l.partCode)}  ${str(l.quantity)}  ${str(l.status)}${at}`;
}

export function runLine(r: Obj): string {
  const error = r.error ? ` — ${str(r.error)}` : '';
  if (r.printerId !== null && r.printerId !== undefined) {
    const paused = r.pausedReason ? ` — ${str(r.pausedReason)}` : '';
    return `label run ${str(r.id)}  ${str(r.status)}  ${str(r.template)} · printer ${str(r.printerId)} · ${str(r.printed)}/${str(r.total)} printed${paused}${error}`;
  }
  return `label run ${str(r.id)}  ${str(r.status)}  ${str(r.template)} · ${str(r.done)}/${str(r.total)} labels${error}`;
}

export function printerLine(p: Obj): string {
  const state = p.state ? `  ${str(p.state)}${p.stateMessage ? ` (${str(p.stateMessage)})` : ''}` : '';
  return `${str(p.name)}  ${str(p.driver)} ${str(p.address)}  ${str(p.template)} @ ${str(p.dpi)} dpi${p.enabled ? '' : '  disabled'}${state}`;
}

export function printRecordLine(r: Obj): string {
  return `${String(r.seq).padStart(6)}  ${str(r.code)}  ${str(r.status)}${Number(r.attempts) > 1 ? ` (sent ${str(r.attempts)} times)` : ''}`;
}

export function recallLine(r: Obj): string {
  const found = r.devices !== null && r.devices !== undefined ? ` · ${str(r.devices)} devices` : '';
  return `recall ${str(r.id)}  ${str(r.status)}  lot ${str(r.lotCode)}${found}${r.error ? ` — ${str(r.error)}` : ''}`;
}

/** Any other object: `key: value` lines, nested objects one level deep as JSON. */
export function plainText(value: unknown): string {
  if (value === null || typeof value !== 'object') return str(value);
  if (Array.isArray(value)) return value.map((v) => plainText(v)).join('\n');
  return Object.entries(value as Obj)
    .map(([k, v]) => `${k}: ${v !== null && typeof v === 'object' ? JSON.stringify(v) : str(v)}`)
    .join('\n');
}

/** A page of items, one line each, and how to get the next page. */
export function pageText(page: Obj, line: (item: Obj) => string): string {
  const items = (page.items ?? []) as Obj[];
  const lines = items.length ? items.map(line) : ['(none)'];
  if (page.nextCursor) lines.push(`more: --cursor ${str(page.nextCursor)}`);
  return lines.join('\n');
}

const tracedLot = (l: Obj) =>
  `${str(l.code)}${l.serialLabel ? ` ${str(l.serialLabel)}` : ''}  part ${str(l.partCode)}  ${str(l.quantity)}  ${str(l.status)}`;

/** A backward trace as an indented tree: each lot, the build that made it, what it consumed. */
export function backwardText(node: Obj, depth = 0): string {
  const pad = '  '.repeat(depth);
  const build = node.build as Obj | null;
  const lines = [
    `${pad}${tracedLot(node.lot as Obj)}${build ? `  ← build ${str(build.code)} (${str(build.projectName)})` : ''}`,
  ];
  for (const c of (node.contains ?? []) as Obj[]) lines.push(backwardText(c, depth + 1));
  for (const c of (node.components ?? []) as Obj[])
    lines.push(`${backwardText(c.node as Obj, depth + 1)}  ×${str(c.quantity)}`);
  if (node.truncated) lines.push(`${pad}  …`);
  return lines.join('\n');
}

export function forwardText(trace: Obj): string {
  const lot = trace.lot as Obj;
  const byStatus = Object.entries((trace.byStatus ?? {}) as Obj)
    .map(([k, v]) => `${str(v)} ${k}`)
    .join(', ');
  const lines = [`${str(lot.code)} is in ${str(trace.total)} lot(s)${byStatus ? `: ${byStatus}` : ''}`];
  for (const b of (trace.builds ?? []) as Obj[])
    lines.push(`  build ${str(b.code)} (${str(b.projectName)}), depth ${str(b.depth)}: ${str(b.affected)}`);
  for (const item of (trace.items ?? []) as Obj[])
    lines.push(`  ${tracedLot(item)}  depth ${str(item.depth)}`);
  if (trace.nextCursor) lines.push(`more: --cursor ${str(trace.nextCursor)}`);
  return lines.join('\n');
}
