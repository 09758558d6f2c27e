/** The part page: what kind of item it is (name, MPN, value, footprint …) and its lots. */
import type { Lot, Part } from '../domain/types.ts';
import { facts, freeFields, idPath } from './format.ts';
import { html } from './html.ts';
import type { PageContent } from './layout.ts';
import { lotsSection } from './objects.ts';
import type { Listing } from './sections.ts';

export interface PartView {
  part: Part;
  lots: Listing<Lot>;
  continued: boolean;
}

export function partPage(view: PartView): PageContent {
  const { part } = view;
  const path = idPath(part.code);
  const body = html`
    <p class="kicker">${part.kind === 'subassembly' ? 'Sub-assembly' : 'Component'}</p>
    <h1>${part.name}</h1>
    ${part.description ? html`<p class="lead text">${part.description}</p>` : null}
    ${facts([
      ['Kind', part.kind === 'subassembly' ? 'sub-assembly' : 'component'],
      ['Manufacturer', part.manufacturer],
      ['MPN', part.mpn],
      ['Value', part.value],
      ['Footprint', part.footprint],
      ['GTIN', part.gtin],
      ['ID code', html`<span class="code">${part.code}</span>`],
      ...freeFields(part.fields),
    ])}
    ${lotsSection(view.lots, path, { continued: view.continued, show: 'location' })}
  `;
  return { title: part.name, body, canonicalPath: path };
}
