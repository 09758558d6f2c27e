/** The location page: where stock is stored, and the lots kept there. */
import type { Location, Lot } from '../domain/types.ts';
import { facts, idPath } from './format.ts';
import { html } from './html.ts';
import type { PageContent } from './layout.ts';
import { lotsSection } from './objects.ts';
import type { Listing } from './sections.ts';

export interface LocationView {
  location: Location;
  lots: Listing<Lot>;
  continued: boolean;
}

export function locationPage(view: LocationView): PageContent {
  const { location } = view;
  const path = idPath(location.code);
  const body = html`
    <p class="kicker">Location</p>
    <h1>${location.name}</h1>
    ${location.description ? html`<p class="lead text">${location.description}</p>` : null}
    ${facts([['ID code', html`<span class="code">${location.code}</span>`]])}
    ${lotsSection(view.lots, path, { continued: view.continued, show: 'part' })}
  `;
  return { title: location.name, body, canonicalPath: path };
}
