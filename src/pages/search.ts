/**
 * `/search?q=…`: one box for whatever is at hand (the `search` command: an ID code, a formatted
 * serial, an identifier, an MPN, a supplier order, a date code or a name), the results grouped by
 * what matched, each linking to its page. One exact match (an ID code, a formatted serial or an
 * identifier names one thing) opens that thing's page straight away, so a scanned code typed or
 * pasted into the box lands where a scan would. A plain GET form: works without JavaScript.
 */
import type { Router } from 'express';
import { search } from '../commands/search.ts';
import { SEARCH_MATCHES, type SearchItem, type SearchMatch } from '../domain/search.ts';
import { codeLink, idPath, words } from './format.ts';
import { html, type SafeHtml } from './html.ts';
import { ok, type PageKit } from './kit.ts';
import { signInToSee } from './lists.ts';

/** The longest text the `search` command takes. */
const MAX_QUERY = 200;
/** Results shown (the most the command answers). */
const RESULTS = 50;

/** Matches that name one thing. */
const EXACT: ReadonlySet<SearchMatch> = new Set(['code', 'serial', 'identifier']);

const MATCH_HEADINGS: Record<SearchMatch, string> = {
  code: 'ID code',
  serial: 'Formatted serial',
  identifier: 'Identifier',
  mpn: 'Manufacturer part number',
  supplier_order: 'Supplier order',
  date_code: 'Date code',
  name: 'Name',
};

/** The search box: GET /search?q=…. */
export function searchForm(value = '', id = 'search-q'): SafeHtml {
  return html`<form class="search" method="get" action="/search" role="search">
    <label for="${id}">Search</label>
    <div class="search-row">
      <input
        id="${id}"
        type="search"
        name="q"
        value="${value}"
        maxlength="${MAX_QUERY}"
        placeholder="Code, serial, MAC, MPN, order, name…"
        autocomplete="off"
        spellcheck="false"
      />
      <button type="submit">Search</button>
    </div>
  </form>`;
}

function resultGroups(items: SearchItem[]): SafeHtml[] {
  return SEARCH_MATCHES.filter((m) => items.some((i) => i.matched === m)).map(
    (m) =>
      html`<section id="matched-${m}" aria-labelledby="matched-${m}-h">
        <h2 id="matched-${m}-h">${MATCH_HEADINGS[m]}</h2>
        <ul class="list">
          ${items
            .filter((i) => i.matched === m)
            .map(
              (i) =>
                html`<li>
                  <div>${codeLink(i.code, i.title)} <span class="meta">${words(i.kind)}</span></div>
                  <div class="meta">
                    <span class="code">${i.code}</span>${i.subtitle ? ` · ${i.subtitle}` : ''}${
                      m === 'code' || m === 'name' ? '' : ` · ${words(m)} ${i.matchedValue}`
                    }
                  </div>
                </li>`,
            )}
        </ul>
      </section>`,
  );
}

export function searchRoutes(router: Router, kit: PageKit): void {
  router.get(
    '/search',
    kit.open(async (req, { run, visitor }) => {
      if (!visitor.full) return signInToSee('Search results', req);
      const raw = req.query.q;
      const q = typeof raw === 'string' ? raw.trim() : '';
      if (q.length > MAX_QUERY)
        return {
          status: 400,
          page: {
            title: 'Search',
            body: html`<h1>Search</h1>
              ${searchForm('')}
              <p class="problem" id="problem">
                The search text is ${q.length} characters long: at most ${MAX_QUERY} are searched.
              </p>`,
          },
        };
      if (q === '')
        return ok({
          title: 'Search',
          body: html`<h1>Search</h1>
            ${searchForm('')}`,
        });
      const { items } = await run(search, { q, limit: RESULTS });
      const exact = items.filter((i) => EXACT.has(i.matched));
      if (exact.length === 1) return { status: 302, redirect: idPath(exact[0]!.code) };
      return ok({
        title: `Search: ${q}`,
        body: html`<h1>Search</h1>
          ${searchForm(q)}
          ${
            items.length > 0
              ? html`<p class="meta" id="results-count">
                    ${items.length === RESULTS ? `The first ${RESULTS}` : String(items.length)}
                    ${items.length === 1 ? 'thing' : 'things'} found.
                  </p>
                  ${resultGroups(items)}`
              : html`<p id="results-empty">Nothing found for “${q}”.</p>`
          }`,
      });
    }),
  );
}
