/** `/trace`: a device back to its component lots, or a component lot forward to every device. */
import type { TraceNode } from '../../commands/trace.ts';
import type { ForwardTrace, TracedLot } from '../../commands/ports.ts';
import type { types } from '@slack/bolt';
import { ephemeral, escape, section, type SlackAnswer } from './format.ts';

type SectionBlock = types.SectionBlock;

const MAX_LINES = 40;

/** Lines in as few sections as fit Slack's 3,000 characters each, never cutting a line. */
function sections(lines: string[]): SectionBlock[] {
  const blocks: SectionBlock[] = [];
  let current = '';
  for (const line of lines) {
    if (current && current.length + line.length + 1 > 2_900) {
      blocks.push(section(current));
      current = '';
    }
    current = current ? `${current}\n${line}` : line;
  }
  if (current) blocks.push(section(current));
  return blocks;
}

function describe(node: TraceNode): string {
  const lot = node.lot;
  const serial = lot.serial !== null ? ` #${lot.serialLabel ?? lot.serial}` : '';
  const supplier = [lot.supplier, lot.dateCode ? `DC ${lot.dateCode}` : null].filter(Boolean).join(', ');
  return `\`${lot.code}\` ${escape(lot.partName)}${serial}${supplier ? ` (${escape(supplier)})` : ''}`;
}

export function backwardAnswer(root: TraceNode): SlackAnswer {
  const lines: string[] = [];
  let hidden = 0;
  /**
   * `quantity` of a component: for a lot, what its build used; for a device, the lots its build
   * used are shared by every unit (how much went into this one is not recorded), so the build's
   * whole consumption is said as such, not as this device's.
   */
  const walk = (node: TraceNode, depth: number, quantity?: number, shared = false) => {
    if (lines.length >= MAX_LINES) {
      hidden++;
      return;
    }
    const indent = '\u2003'.repeat(depth);
    const built = node.build ? ` ← build ${node.build.code}` : '';
    const amount = quantity !== undefined && !shared ? `${quantity} × ` : '';
    const used = quantity !== undefined && shared ? ` — build used ${quantity.toLocaleString('en')}` : '';
    lines.push(
      `${indent}${depth > 0 ? '↳ ' : ''}${amount}${describe(node)}${built}${used}${node.truncated ? ' …' : ''}`,
    );
    const device = node.lot.serial !== null;
    for (const child of node.contains) walk(child, depth + 1);
    for (const c of node.components)
      walk(c.node, depth + 1, c.quantity, device && c.installedBy === undefined);
  };
  walk(root, 0);
  if (hidden > 0)
    lines.push(`…and ${hidden} more (the full tree: GET /api/v1/trace/backward/${root.lot.code})`);
  return ephemeral({
    text: `Backward trace of ${root.lot.code}`,
    blocks: sections([`*Backward trace of ${root.lot.code}* — what it was built from`, ...lines]),
  });
}

export function forwardAnswer(
  trace: ForwardTrace & { lot: { code: string; partCode: string }; items: TracedLot[] },
): SlackAnswer {
  const statuses = Object.entries(trace.byStatus)
    .map(([status, count]) => `${status.replace('_', ' ')} ${count}`)
    .join(', ');
  const builds = trace.builds
    .slice(0, 10)
    .map((b) => `• build \`${b.code}\` ${escape(b.projectName)}: ${b.affected} affected (level ${b.depth})`);
  const items = trace.items
    .slice(0, 20)
    .map(
      (l) =>
        `• \`${l.code}\` ${escape(l.partName)}${l.serial !== null ? ` #${l.serialLabel ?? l.serial}` : ''} — ${l.status.replace('_', ' ')}`,
    );
  const more =
    trace.total > items.length
      ? `\n…and ${trace.total - items.length} more (a recall report lists them all)`
      : '';
  return ephemeral({
    text: `Forward trace of ${trace.lot.code}: ${trace.total} lots and devices`,
    blocks: [
      section(
        `*Forward trace of ${trace.lot.code}* — ${trace.total} lots and devices contain it${statuses ? ` (${statuses})` : ''}`,
      ),
      ...(builds.length > 0 ? [section(`*Builds*\n${builds.join('\n')}`)] : []),
      ...(items.length > 0 ? sections([...items, ...(more ? [more.trim()] : [])]) : []),
    ],
  });
}
