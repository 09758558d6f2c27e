/**
 * Lists to find things by filter: `/builds`, `/lots` and `/devices` (lots with a serial number), 50
 * per page with a "Next" link that keeps the filters. The filters are a GET form, so a filtered list
 * is a link to share. A stranger (the public view) sees only a sign-in link: lists show what the
 * public view of one object hides (suppliers, stock, where things are).
 */
import type { Request, Router } from 'express';
import { listBuilds } from '../commands/builds.ts';
import { listLots } from '../commands/lots.ts';
import { BUILD_STATUSES } from '../domain/builds.ts';
import { DomainError, NotFoundError, ValidationError } from '../domain/errors.ts';
import { STOCK_STATUSES, type Lot } from '../domain/types.ts';
import { codeLink, quantity, serialText, statusBadge, when, words } from './format.ts';
import { html, type HtmlValue, type SafeHtml } from './html.ts';
import { ok, type Outcome, type PageKit } from './kit.ts';
import type { ProblemPage } from './not-found.ts';

/** Rows per list page. */
export const LIST_PAGE_SIZE = 50;

/** A filter of a list: its query name, its label, and the choices of a select (else a text box). */
interface Filter {
  name: string;
  label: string;
  choices?: readonly string[];
  checkbox?: true;
}

/** The filters `/lots` and `/lots.csv` take, as `listLots` reads them. */
export const LOT_FILTERS: readonly Filter[] = [
  { name: 'part', label: 'Part code' },
  { name: 'location', label: 'Location code' },
  { name: 'status', label: 'Status', choices: STOCK_STATUSES },
  { name: 'empty', label: 'Also empty lots (quantity 0)', checkbox: true },
];

const DEVICE_FILTERS: readonly Filter[] = [
  { name: 'serial', label: 'Formatted serial' },
  { name: 'part', label: 'Part code' },
  { name: 'location', label: 'Location code' },
  { name: 'status', label: 'Status', choices: STOCK_STATUSES },
  { name: 'empty', label: 'Also devices fitted into others or used up', checkbox: true },
];

const BUILD_FILTERS: readonly Filter[] = [
  { name: 'project', label: 'Project code' },
  { name: 'status', label: 'Status', choices: BUILD_STATUSES },
];

/** The query's values for these filters: single, non-empty strings only (an unticked box is absent). */
export function filtersOf(req: Request, filters: readonly Filter[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { name, checkbox } of filters) {
    const value = req.query[name];
    if (typeof value !== 'string' || value.trim() === '') continue;
    out[name] = checkbox ? (value === 'false' ? 'false' : 'true') : value.trim();
  }
  return out;
}

/** A path with the filters (and a cursor) as its query string. */
export function withQuery(path: string, values: Record<string, string>): string {
  const query = new URLSearchParams(values).toString();
  return query ? `${path}?${query}` : path;
}

/** The query's `cursor`, if it is one string. */
const cursorOf = (req: Request) =>
  typeof req.query.cursor === 'string' && req.query.cursor !== '' ? req.query.cursor : undefined;

/** What a stranger gets instead of a list or search results: a link to sign in and come back. */
export function signInToSee(what: string, req: Request): ProblemPage {
  return ok({
    title: 'Sign in',
    body: html`<h1>Sign in</h1>
      <p id="public-note">
        ${what} are shown to signed-in people only:
        <a href="/signin?next=${encodeURIComponent(req.originalUrl)}">sign in</a>.
      </p>`,
  });
}

function filterForm(path: string, filters: readonly Filter[], values: Record<string, string>): SafeHtml {
  return html`<form class="filters" method="get" action="${path}" role="search" aria-label="Filters">
    ${filters.map((f) => {
      const id = `filter-${f.name}`;
      const value = values[f.name] ?? '';
      if (f.checkbox)
        return html`<div class="field check">
          <input
            type="checkbox"
            id="${id}"
            name="${f.name}"
            value="true"
            ${value === 'true' ? html`checked` : null}
          />
          <label for="${id}">${f.label}</label>
        </div>`;
      if (f.choices)
        return html`<div class="field">
          <label for="${id}">${f.label}</label>
          <select id="${id}" name="${f.name}">
            <option value="">any</option>
            ${f.choices.map(
              (c) => html`<option value="${c}" ${c === value ? html`selected` : null}>${words(c)}</option>`,
            )}
          </select>
        </div>`;
      return html`<div class="field">
        <label for="${id}">${f.label}</label>
        <input
          id="${id}"
          name="${f.name}"
          value="${value}"
          maxlength="100"
          autocomplete="off"
          spellcheck="false"
        />
      </div>`;
    })}
    <button type="submit">Show</button>
  </form>`;
}

/** A list page: title, links, the filter form, the rows (or why there are none) and the pager. */
function listPage(options: {
  path: string;
  title: string;
  filters: readonly Filter[];
  values: Record<string, string>;
  links?: HtmlValue;
  rows: SafeHtml[] | { status: number; problem: string };
  nextCursor: string | null;
  continued: boolean;
  noun: string;
}): ProblemPage {
  const { path, title, values, rows } = options;
  const failed = !Array.isArray(rows);
  return {
    status: failed ? rows.status : 200,
    page: {
      title,
      body: html`<h1>${title}</h1>
        ${options.links ?? null} ${filterForm(path, options.filters, values)}
        ${failed ? html`<p class="problem" id="problem">${rows.problem}</p>` : null}
        ${options.continued ? html`<p class="pager"><a href="${withQuery(path, values)}">First page</a></p>` : null}
        ${
          failed
            ? null
            : rows.length > 0
              ? html`<ul class="list" id="results">
                  ${rows}
                </ul>`
              : html`<p class="meta" id="results-empty">
                  No ${options.noun}${options.continued ? ' after these' : ''}.
                </p>`
        }
        ${
          options.nextCursor
            ? html`<p class="pager">
                <a rel="next" href="${withQuery(path, { ...values, cursor: options.nextCursor })}"
                  >Next ${LIST_PAGE_SIZE} ${options.noun}</a
                >
              </p>`
            : null
        }`,
    },
  };
}

/** Runs a list's command; a filter it refuses (a bad code, a broken cursor) is shown above the form. */
async function listing<T>(
  load: () => Promise<{ items: T[]; nextCursor: string | null }>,
): Promise<{ items: T[]; nextCursor: string | null } | { status: number; problem: string }> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof NotFoundError) return { status: 404, problem: error.message };
    if (error instanceof ValidationError || error instanceof DomainError)
      return { status: 400, problem: error.message };
    throw error;
  }
}

/** One lot (or device) of a list. */
export function lotRow(l: Lot): SafeHtml {
  return html`<li>
    <div>
      ${codeLink(l.code)} ${statusBadge(l.status)}
      ${l.serial !== null ? html`<span>serial ${serialText(l.serial, l.serialLabel)}</span>` : null}
      <span class="meta">× ${quantity(l.quantity)}</span>
    </div>
    <div class="meta">
      part ${codeLink(l.partCode)} ·
      ${l.locationCode ? html`at ${codeLink(l.locationCode)}` : 'no location'}${
        l.buildCode ? html` · build ${codeLink(l.buildCode)}` : null
      }${l.supplier ? ` · ${l.supplier}` : ''}${l.dateCode ? ` · date code ${l.dateCode}` : ''}
    </div>
  </li>`;
}

/** The input of `listLots` for a list's filter values. */
export const lotsInput = (values: Record<string, string>) => ({
  part: values.part,
  location: values.location,
  status: values.status,
  serial: values.serial,
  empty: values.empty,
});

export function listRoutes(router: Router, kit: PageKit): void {
  router.get(
    '/builds',
    kit.open(async (req, { run, visitor }): Promise<Outcome> => {
      if (!visitor.full) return signInToSee('Builds', req);
      const values = filtersOf(req, BUILD_FILTERS);
      const cursor = cursorOf(req);
      const page = await listing(() =>
        run(listBuilds, {
          project: values.project,
          status: values.status,
          limit: LIST_PAGE_SIZE,
          cursor,
        }),
      );
      return listPage({
        path: '/builds',
        title: 'Builds',
        filters: BUILD_FILTERS,
        values,
        noun: 'builds',
        continued: cursor !== undefined,
        nextCursor: 'items' in page ? page.nextCursor : null,
        rows:
          'items' in page
            ? page.items.map(
                (b) =>
                  html`<li>
                    <div>${codeLink(b.code)} ${statusBadge(b.status)}</div>
                    <div>${codeLink(b.projectCode, b.projectName)}</div>
                    <div class="meta">
                      ${quantity(b.unitsCompleted)} of ${quantity(b.quantity)} done · created
                      ${when(b.createdAt)}
                    </div>
                  </li>`,
              )
            : page,
      });
    }),
  );

  router.get(
    '/lots',
    kit.open(async (req, { run, visitor }): Promise<Outcome> => {
      if (!visitor.full) return signInToSee('Lots', req);
      const values = filtersOf(req, LOT_FILTERS);
      const cursor = cursorOf(req);
      const page = await listing(() =>
        run(listLots, { ...lotsInput(values), limit: LIST_PAGE_SIZE, cursor }),
      );
      return listPage({
        path: '/lots',
        title: 'Lots',
        filters: LOT_FILTERS,
        values,
        noun: 'lots',
        links: html`<p>
          <a id="lots-csv" href="${withQuery('/lots.csv', values)}">Download these lots as CSV</a>
        </p>`,
        continued: cursor !== undefined,
        nextCursor: 'items' in page ? page.nextCursor : null,
        rows: 'items' in page ? page.items.map(lotRow) : page,
      });
    }),
  );

  router.get(
    '/devices',
    kit.open(async (req, { run, visitor }): Promise<Outcome> => {
      if (!visitor.full) return signInToSee('Devices', req);
      const values = filtersOf(req, DEVICE_FILTERS);
      const cursor = cursorOf(req);
      const page = await listing(() =>
        run(listLots, { ...lotsInput(values), devices: true, limit: LIST_PAGE_SIZE, cursor }),
      );
      return listPage({
        path: '/devices',
        title: 'Devices',
        filters: DEVICE_FILTERS,
        values,
        noun: 'devices',
        continued: cursor !== undefined,
        nextCursor: 'items' in page ? page.nextCursor : null,
        rows: 'items' in page ? page.items.map(lotRow) : page,
      });
    }),
  );
}
