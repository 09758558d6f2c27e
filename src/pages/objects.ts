/** Shared by the part and location pages: a page of lots, each linking to its own page. */
import type { Lot } from '../domain/types.ts';
import { codeLink, nextLink, quantity, serialText, statusBadge } from './format.ts';
import { html, type SafeHtml } from './html.ts';
import type { Listing } from './sections.ts';

/** Lots listed per part or location page. */
export const LOTS_PER_PAGE = 50;

export function lotsSection(
  lots: Listing<Lot>,
  path: string,
  options: { continued: boolean; show: 'part' | 'location' },
): SafeHtml {
  return html`<section id="lots" aria-labelledby="lots-h">
    <h2 id="lots-h">Lots</h2>
    ${options.continued ? html`<p class="pager"><a href="${path}">First lots</a></p>` : null}
    ${
      lots.items.length > 0
        ? html`<ul class="list">
            ${lots.items.map(
              (l) =>
                html`<li>
                  <div>
                    ${codeLink(l.code)} ${statusBadge(l.status)}
                    <span class="meta">× ${quantity(l.quantity)}</span>
                  </div>
                  <div class="meta">
                    ${
                      options.show === 'part'
                        ? html`part ${codeLink(l.partCode)}`
                        : html`at ${l.locationCode ? codeLink(l.locationCode) : 'no location'}`
                    }${l.serial !== null ? ` · serial ${serialText(l.serial, l.serialLabel)}` : ''}${
                      l.buildCode ? html` · build ${codeLink(l.buildCode)}` : null
                    }${l.supplier ? ` · ${l.supplier}` : ''}${l.dateCode ? ` · date code ${l.dateCode}` : ''}
                  </div>
                </li>`,
            )}
          </ul>`
        : html`<p class="meta">No lots${options.continued ? ' after these' : ''}.</p>`
    }
    ${nextLink(path, lots.nextCursor, `Next ${LOTS_PER_PAGE} lots`)}
  </section>`;
}
