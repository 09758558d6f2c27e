/**
 * Sections several pages show: a lot's history, its attachments, and the component lots and
 * sub-assembly units it was built from. Pure functions of what the commands answered.
 */
import type { HistoryItem } from '../commands/history.ts';
import type { Attachment } from '../commands/ports.ts';
import type { TraceNode } from '../commands/trace.ts';
import {
  codeLink,
  fileSize,
  nextLink,
  quantity,
  serialText,
  statusBadge,
  when,
  who,
  words,
} from './format.ts';
import { html, type HtmlValue, type SafeHtml } from './html.ts';

/** A page of items as list commands answer it. */
export interface Listing<T> {
  items: T[];
  nextCursor: string | null;
}

const text = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value : typeof value === 'number' ? String(value) : null;

function measurements(value: unknown): SafeHtml | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const rows = Object.entries(value as Record<string, unknown>).slice(0, 50);
  if (rows.length === 0) return null;
  return html`<dl class="measurements">
    ${rows.map(
      ([k, v]) =>
        html`<dt>${k}</dt>
          <dd>${typeof v === 'string' || typeof v === 'number' ? v : ''}</dd>`,
    )}
  </dl>`;
}

/** The details of one history event beyond its summary line. */
function eventDetails(item: HistoryItem): HtmlValue {
  const d = item.data;
  const line = (label: string, value: unknown) => {
    const t = text(value);
    return t ? html`<p class="text"><span class="meta">${label}:</span> ${t}</p>` : null;
  };
  switch (item.kind) {
    case 'note':
      return html`<p class="text">${text(d.text) ?? item.summary}</p>`;
    case 'test_result':
      return [
        html`<p>${statusBadge(d.passed ? 'passed' : 'failed')} ${item.summary}</p>`,
        line('Operator', typeof d.operator === 'string' ? who(d.operator) : null),
        measurements(d.measurements),
        line('Notes', d.notes),
      ];
    case 'repair':
      return [html`<p class="text">${item.summary}</p>`, line('Cause', d.cause), line('Notes', d.notes)];
    case 'service':
      return [html`<p class="text">${item.summary}</p>`, line('Notes', d.notes)];
    default:
      return html`<p class="text">${item.summary}</p>`;
  }
}

function eventAttachments(items: Attachment[]): SafeHtml | null {
  if (items.length === 0) return null;
  return html`<p class="meta">
    Files: ${items.map((a, i) => html`${i > 0 ? ', ' : ''}<a href="${downloadPath(a)}">${a.filename}</a>`)}
  </p>`;
}

/** A lot's timeline, newest first, with a link to older events. */
export function historySection(history: Listing<HistoryItem>, path: string): SafeHtml {
  const items = history.items.map(
    (item) =>
      html`<li id="event-${item.id}">
        <div>
          <strong>${words(item.kind)}</strong>
          <span class="meta">${when(item.occurredAt)} · ${who(item.actor)}</span>
        </div>
        ${eventDetails(item)}
        ${item.corrects !== null ? html`<p class="meta">Corrects <a href="#event-${item.corrects}">event ${item.corrects}</a></p>` : null}
        ${item.correctedBy.length > 0 ? html`<p class="meta">Corrected by ${item.correctedBy.map((id, i) => html`${i > 0 ? ', ' : ''}<a href="#event-${id}">event ${id}</a>`)}</p>` : null}
        ${eventAttachments(item.attachments)}
      </li>`,
  );
  return html`<section id="history" aria-labelledby="history-h">
    <h2 id="history-h">History</h2>
    ${
      items.length > 0
        ? html`<ol class="list">
            ${items}
          </ol>`
        : html`<p class="meta">Nothing recorded yet.</p>`
    }
    ${nextLink(path, history.nextCursor, 'Older history')}
  </section>`;
}

/** Where an attachment's file is downloaded (the API route; it needs an API token). */
export const downloadPath = (a: Pick<Attachment, 'id'>) => `/api/v1/attachments/${a.id}/content`;

/** A lot's or build's files. */
export function attachmentsSection(attachments: Listing<Attachment>): SafeHtml {
  const items = attachments.items.map(
    (a) =>
      html`<li>
        <a href="${downloadPath(a)}">${a.filename}</a>
        <div class="meta">
          ${a.mediaType.replace(/;.*$/, '')} · ${fileSize(a.bytes)} · ${when(a.createdAt)} ·
          ${who(a.uploadedBy)}${
            a.target.event !== null
              ? html` · <a href="#event-${a.target.event}">event ${a.target.event}</a>`
              : null
          }
        </div>
        ${a.note ? html`<p class="text">${a.note}</p>` : null}
      </li>`,
  );
  return html`<section id="attachments" aria-labelledby="attachments-h">
    <h2 id="attachments-h">Attachments</h2>
    ${
      items.length > 0
        ? html`<ul class="list">
              ${items}
            </ul>
            ${attachments.nextCursor ? html`<p class="meta">More files than shown here; the API lists them all.</p>` : null}
            <p class="note">Opening a file needs a buildtrace API token.</p>`
        : html`<p class="meta">No files attached.</p>`
    }
  </section>`;
}

function lotLine(node: TraceNode, extra: HtmlValue): SafeHtml {
  const l = node.lot;
  const supplier = [
    l.supplier,
    l.supplierOrder ? `order ${l.supplierOrder}` : null,
    l.dateCode ? `date code ${l.dateCode}` : null,
  ]
    .filter((x): x is string => x !== null)
    .join(' · ');
  return html`<li>
    <div>${codeLink(l.code, l.partName)} ${statusBadge(l.status)}</div>
    <div class="meta">
      lot <span class="code">${l.code}</span> · part <span class="code">${l.partCode}</span>${
        l.serial !== null ? ` · serial ${serialText(l.serial, l.serialLabel)}` : ''
      }${l.buildCode ? html` · build ${codeLink(l.buildCode)}` : null}
    </div>
    ${supplier ? html`<div class="meta">${supplier}</div>` : null} ${extra}
  </li>`;
}

/** Per device: how many of a part one unit holds, and where (from the project's BOM). */
export type PerDevice = ReadonlyMap<string, { quantity: number; designators: readonly string[] }>;

/** Parts listed open; the rest are folded into "more parts" (a BOM of dozens of reels). */
const PARTS_SHOWN = 8;
/** Lots of one part listed open; more are folded. */
const LOTS_SHOWN = 3;

/**
 * What a lot or device was built from, grouped by part: for a device, how many of the part one unit
 * holds and at which designators (from the BOM), then the lots it may have come from (the build's
 * consumption is shared by all its units); lots a repair fitted; and the sub-assembly units it holds.
 * Long lists are folded into `<details>` so the first screen stays short.
 */
export function componentsSection(trace: TraceNode, perDevice?: PerDevice): SafeHtml | null {
  if (trace.components.length === 0 && trace.contains.length === 0 && !trace.build) return null;
  const byPart = new Map<string, { name: string; lines: SafeHtml[] }>();
  for (const c of trace.components) {
    const key = c.node.lot.partCode;
    const group = byPart.get(key) ?? { name: c.node.lot.partName, lines: [] };
    group.lines.push(
      lotLine(
        c.node,
        html`<div class="meta">
          ${
            c.installedBy !== undefined
              ? html`${quantity(c.quantity)} fitted by a repair (<a href="#event-${c.installedBy}"
                    >event ${c.installedBy}</a
                  >)`
              : `${quantity(c.quantity)} used by the whole build`
          }
        </div>`,
      ),
    );
    byPart.set(key, group);
  }
  const parts = [...byPart.entries()].map(([partCode, group]) => {
    const per = perDevice?.get(partCode);
    const open = group.lines.slice(0, LOTS_SHOWN);
    const folded = group.lines.slice(LOTS_SHOWN);
    return html`<li class="part-group">
      <div><strong>${group.name}</strong> <span class="meta code">${partCode}</span></div>
      ${
        per
          ? html`<div class="per-device">
              ${quantity(per.quantity)} per
              device${per.designators.length ? html` · ${per.designators.join(', ')}` : null}
            </div>`
          : null
      }
      <ul class="list">
        ${open}
      </ul>
      ${
        folded.length
          ? html`<details>
              <summary>${folded.length} more lot${folded.length === 1 ? '' : 's'} of this part</summary>
              <ul class="list">
                ${folded}
              </ul>
            </details>`
          : null
      }
    </li>`;
  });
  const units = trace.contains.map((u) => lotLine(u, null));
  const shown = parts.slice(0, PARTS_SHOWN);
  const more = parts.slice(PARTS_SHOWN);
  return html`<section id="components" aria-labelledby="components-h">
    <h2 id="components-h">Built from</h2>
    ${
      parts.length > 0
        ? html`<p class="meta">
              ${parts.length} part${parts.length === 1 ? '' : 's'} from ${trace.components.length}
              lot${trace.components.length === 1 ? '' : 's'}
            </p>
            <ul class="parts" id="component-lots">
              ${shown}
            </ul>
            ${
              more.length
                ? html`<details id="more-parts">
                    <summary>${more.length} more part${more.length === 1 ? '' : 's'}</summary>
                    <ul class="parts">
                      ${more}
                    </ul>
                  </details>`
                : null
            }`
        : html`<p class="meta">No component lots recorded.</p>`
    }
    ${
      units.length > 0
        ? html`<h3>Sub-assemblies inside</h3>
            <ul class="list" id="sub-assemblies">
              ${units}
            </ul>`
        : null
    }
    ${trace.truncated ? html`<p class="note">The list is cut short; the trace API has the full tree.</p>` : null}
  </section>`;
}
