/**
 * A tiny HTML template helper for the server-rendered pages. `html` is a tagged template: every
 * interpolated value is escaped unless it is already a safe fragment (the result of another `html`
 * template), so user-supplied text — part names, notes, supplier data — can only ever appear as
 * text. Arrays are rendered item by item; `null`, `undefined` and `false` render nothing.
 *
 * Values must be placed in element content or in double-quoted attribute values; escaping covers
 * both (`& < > " '`). Never interpolate into a `<script>` or `<style>` element, an event-handler
 * attribute or an unquoted attribute — the pages have none of those.
 */

/** A fragment of HTML that is safe to include as is. Made only by `html` and `trustedHtml`. */
export class SafeHtml {
  readonly #html: string;
  constructor(html: string) {
    this.#html = html;
  }
  toString(): string {
    return this.#html;
  }
}

/** What may be interpolated: text (escaped), numbers, safe fragments, lists of these, or nothing. */
export type HtmlValue = SafeHtml | string | number | false | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.toString();
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(value));
}

/** The tagged template: `html\`<p>${text}</p>\`` escapes `text`, keeps nested fragments. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Marks a constant written in this code base as safe HTML. Never pass user-supplied text. */
export function trustedHtml(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** Joins fragments with a separator (itself escaped unless safe). */
export function joinHtml(parts: readonly HtmlValue[], separator: HtmlValue = ''): SafeHtml {
  const sep = render(separator);
  return new SafeHtml(
    parts
      .map(render)
      .filter((p) => p !== '')
      .join(sep),
  );
}
