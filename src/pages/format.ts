/** Small presenters shared by the pages: links to other objects, times, statuses, quantities. */
import { html, type HtmlValue, type SafeHtml } from './html.ts';

/** The page of the object an ID code names. */
export const idPath = (code: string) => `/id/${encodeURIComponent(code)}`;

/** A link to an object's page, showing its ID code (or the given content). */
export function codeLink(code: string, content?: HtmlValue): SafeHtml {
  return html`<a href="${idPath(code)}">${content ?? html`<span class="code">${code}</span>`}</a>`;
}

/** A link to an object's page, or nothing when there is no object. */
export const maybeCodeLink = (code: string | null | undefined, content?: HtmlValue) =>
  code ? codeLink(code, content) : null;

const pad = (n: number) => String(n).padStart(2, '0');

/** A point in time, in UTC (the server cannot know the reader's zone without script). */
export function when(value: Date | string | null | undefined): SafeHtml | null {
  if (value === null || value === undefined) return null;
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return html`${String(value)}`;
  const text = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
  return html`<time datetime="${d.toISOString()}">${text}</time>`;
}

/** Words for a status value (`in_production` → `in production`). */
export const words = (value: string) => value.replace(/_/g, ' ');

/** A status as a coloured badge (stock, build or test status). */
export function statusBadge(status: string): SafeHtml {
  return html`<span class="status status-${status.replace(/[^a-z_]/g, '')}">${words(status)}</span>`;
}

/** A quantity with thousands separators. */
export const quantity = (n: number) => n.toLocaleString('en');

/** Bytes as a person reads them. */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Who did something: `token:station-3` → `station-3`, `slack:U123` stays as it is. */
export const who = (actor: string) => actor.replace(/^token:/, '');

/** A serial number with its formatted serial, when the project has a serial format. */
export const serialText = (serial: number, label: string | null) =>
  label ? `${label} (#${serial})` : `#${serial}`;

/** One row of a facts list; rows whose value is empty are left out. */
export type Fact = readonly [label: string, value: HtmlValue];

/** A definition list of facts (label → value), skipping empty values. */
export function facts(rows: readonly Fact[], id = 'facts'): SafeHtml {
  const shown = rows.filter(([, v]) => v !== null && v !== undefined && v !== false && v !== '');
  return html`<dl class="facts" id="${id}">
    ${shown.map(
      ([label, value]) =>
        html`<dt>${label}</dt>
          <dd>${value}</dd>`,
    )}
  </dl>`;
}

/** Free fields (`{ key: value }`) as facts. */
export const freeFields = (fields: Record<string, string | number | boolean | null>): Fact[] =>
  Object.entries(fields).map(([k, v]) => [k, v === null ? '—' : String(v)] as const);

/** A "next page" link keeping the page's path, or nothing at the end of the list. */
export function nextLink(path: string, cursor: string | null, label: string): SafeHtml | null {
  if (!cursor) return null;
  return html`<p class="pager">
    <a rel="next" href="${path}?cursor=${encodeURIComponent(cursor)}">${label}</a>
  </p>`;
}
