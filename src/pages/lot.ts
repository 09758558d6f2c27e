/**
 * The lot page: a quantity of one part kept apart — its part, quantity, status, location, supplier
 * data, where it came from (a build, a split), what it was built from, the builds that used it, its
 * history and files.
 */
import type { HistoryItem } from '../commands/history.ts';
import type { Attachment } from '../commands/ports.ts';
import type { TraceNode } from '../commands/trace.ts';
import type { Lot } from '../domain/types.ts';
import {
  codeLink,
  facts,
  freeFields,
  idPath,
  maybeCodeLink,
  quantity,
  statusBadge,
  words,
} from './format.ts';
import { html, type SafeHtml } from './html.ts';
import type { PageContent } from './layout.ts';
import { attachmentsSection, componentsSection, historySection, type Listing } from './sections.ts';

export interface LotView {
  lot: Lot;
  /** What the visitor may do here (after the facts: the first screen). */
  actions?: SafeHtml | null;
  trace: TraceNode;
  /** The builds that used this lot (forward trace), and how many lots they made from it. */
  usedIn: { total: number; builds: { code: string; projectName: string; depth: number; affected: number }[] };
  history: Listing<HistoryItem>;
  attachments: Listing<Attachment>;
}

/** How many builds the page lists under "Used in". */
export const USED_IN_SHOWN = 20;

export function lotPage(view: LotView): PageContent {
  const { lot, trace } = view;
  const path = idPath(lot.code);
  const direct = view.usedIn.builds.filter((b) => b.depth === 1);
  const usedIn = html`<section id="used-in" aria-labelledby="used-in-h">
    <h2 id="used-in-h">Used in</h2>
    ${
      direct.length > 0
        ? html`<ul class="list">
              ${direct.slice(0, USED_IN_SHOWN).map(
                (b) =>
                  html`<li>
                    ${codeLink(b.code, b.projectName)}
                    <span class="meta">build <span class="code">${b.code}</span></span>
                  </li>`,
              )}
            </ul>
            ${direct.length > USED_IN_SHOWN ? html`<p class="meta">and ${direct.length - USED_IN_SHOWN} more builds.</p>` : null}
            <p class="meta">
              ${quantity(view.usedIn.total)} lots and devices contain it, through every level.
            </p>`
        : html`<p class="meta">No build has used this lot.</p>`
    }
  </section>`;
  const body = html`
    <p class="kicker">Lot</p>
    <h1>${trace.lot.partName}</h1>
    <p class="lead">
      ${quantity(lot.quantity)} in lot <span class="code">${lot.code}</span> ${statusBadge(lot.status)}
    </p>
    ${facts([
      [
        'Part',
        html`${codeLink(lot.partCode, trace.lot.partName)} <span class="meta code">${lot.partCode}</span>`,
      ],
      ['Quantity', quantity(lot.quantity)],
      ['Status', statusBadge(lot.status)],
      ['Location', maybeCodeLink(lot.locationCode)],
      ['Source', words(lot.source)],
      ['Supplier', lot.supplier],
      ['Supplier order', lot.supplierOrder],
      ['Date code', lot.dateCode],
      ['Expires', lot.expiresOn],
      [
        'Made by build',
        trace.build
          ? html`${codeLink(trace.build.code)} · ${trace.build.projectName}`
          : maybeCodeLink(lot.buildCode),
      ],
      ['Split from', maybeCodeLink(lot.parentLotCode)],
      ['ID code', html`<span class="code">${lot.code}</span>`],
      ...freeFields(lot.fields),
    ])}
    ${view.actions ?? null} ${lot.buildCode ? componentsSection(trace) : null} ${usedIn}
    ${historySection(view.history, path)} ${attachmentsSection(view.attachments)}
  `;
  return { title: `Lot ${lot.code} · ${trace.lot.partName}`, body, canonicalPath: path };
}
