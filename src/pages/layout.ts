/**
 * The shell every page shares: a mobile viewport, the external stylesheet (no inline style or
 * script, so a Content-Security-Policy of `default-src 'self'` holds), a header with a box to look
 * up another code, and the page's content.
 */
import { stylesheet } from './assets.ts';
import { html, type HtmlValue, type SafeHtml } from './html.ts';

export interface PageContent {
  /** The document title (without the site name). */
  title: string;
  /** The main content. */
  body: HtmlValue;
  /** The canonical path of the object shown (e.g. `/id/<code>` when reached by build and serial). */
  canonicalPath?: string | undefined;
  /** Pre-fills the look-up box (e.g. with a mistyped code). */
  lookupValue?: string | undefined;
  /**
   * Who is signed in (their name and role, and the CSRF value of the sign-out form); null for a
   * stranger (a "Sign in" link); left out for a reader with an API token.
   */
  account?: { name: string; role: string; csrf: string } | null | undefined;
}

/** The header's sign-in state: who is signed in with a sign-out button, or a sign-in link. */
function accountBar(account: PageContent['account']): SafeHtml | null {
  if (account === undefined) return null;
  if (account === null) return html`<a class="account" href="/signin">Sign in</a>`;
  return html`<form class="account" method="post" action="/signout">
    <span class="meta">${account.name.replace(/^(slack|kiosk):/, '')} · ${account.role}</span>
    <input type="hidden" name="_csrf" value="${account.csrf}" />
    <button type="submit" class="link">Sign out</button>
  </form>`;
}

/** The look-up form: GET /id?code=… redirects to the code's page. */
export function lookupForm(value = '', id = 'lookup'): SafeHtml {
  return html`<form class="lookup" method="get" action="/id" role="search">
    <input
      id="${id}"
      name="code"
      value="${value}"
      placeholder="ID code"
      autocomplete="off"
      autocapitalize="characters"
      spellcheck="false"
      maxlength="40"
      aria-label="ID code"
    />
    <button type="submit">Open</button>
  </form>`;
}

/** A whole HTML document. */
export function layout(page: PageContent): string {
  const doc = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <meta name="referrer" content="same-origin" />
        <title>${page.title} · buildtrace</title>
        <link rel="stylesheet" href="${stylesheet.url}" />
        ${page.canonicalPath ? html`<link rel="canonical" href="${page.canonicalPath}" />` : null}
      </head>
      <body>
        <header class="site">
          <a class="brand" href="/">buildtrace</a>
          ${lookupForm(page.lookupValue ?? '', 'lookup-header')} ${accountBar(page.account)}
        </header>
        <main>${page.body}</main>
        <footer>Times are in UTC.</footer>
      </body>
    </html> `;
  return doc.toString();
}
