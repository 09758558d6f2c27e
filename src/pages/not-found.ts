/**
 * The pages for everything that is not an object's page: the look-up form, a code with a typo, a
 * string that cannot be an ID code, a valid code nothing has, a serial a build does not have, a
 * broken link, a refused or failed request. Each says what happened and what to do next.
 *
 * Status codes: a typo or a malformed code is 400 (the text cannot name anything, as the API's
 * `GET /codes/{code}` answers), a valid code or serial that names nothing is 404.
 */
import type { CodeTarget } from '../domain/types.ts';
import { ID_CODE_ALPHABET, ID_CODE_LENGTH } from '../domain/id-code.ts';
import { codeLink, words } from './format.ts';
import { html, type HtmlValue, type SafeHtml } from './html.ts';
import { lookupForm, type PageContent } from './layout.ts';

export interface ProblemPage {
  status: number;
  page: PageContent;
}

/** What was typed, shortened for display (it is escaped like any text). */
const shown = (input: string) => (input.length > 60 ? `${input.slice(0, 60)}…` : input);

const ALPHABET_HINT = html`<p class="meta">
  An ID code has ${ID_CODE_LENGTH} characters: the digits and the letters
  <span class="code">${ID_CODE_ALPHABET.replace(/[0-9]/g, '')}</span> (no I, L, O or U; lower case, spaces and
  hyphens are fine, and O, I and L are read as 0 and 1).
</p>`;

function problem(status: number, title: string, body: HtmlValue, lookupValue?: string): ProblemPage {
  return {
    status,
    page: {
      title,
      lookupValue,
      body: html`<p class="kicker">
          ${status === 404 ? 'Not found' : status === 400 ? 'Check the code' : 'Problem'}
        </p>
        <h1>${title}</h1>
        ${body}`,
    },
  };
}

function suggestionList(suggestions: CodeTarget[]): SafeHtml | null {
  if (suggestions.length === 0) return null;
  return html`<h2>Did you mean</h2>
    <ul class="suggestions" id="suggestions">
      ${suggestions.map(
        (s) => html`<li>${codeLink(s.code)} <span class="meta">${words(s.kind)} · ${s.label}</span></li>`,
      )}
    </ul>`;
}

/** `/id` without a code: the look-up form. */
export function lookupPage(): PageContent {
  return {
    title: 'Open an ID code',
    body: html`<h1>Open an ID code</h1>
      <p>Scan a label, or type the code printed under it.</p>
      ${lookupForm('', 'lookup-main')} ${ALPHABET_HINT}`,
  };
}

/** The check character does not match: one character mistyped, or two neighbours swapped. */
export function typoPage(input: string, suggestions: CodeTarget[]): ProblemPage {
  return problem(
    400,
    'This code has a typo',
    html`<p class="problem" id="problem">
        The code <span class="code">${shown(input)}</span> has a typo: its last character is a check
        character, and it does not match the other nine. One character is probably mistyped, or two
        neighbouring characters are swapped.
      </p>
      ${suggestionList(suggestions)}
      <p>
        Compare it with the label character by character and correct it in the box above, or scan the label
        again.
      </p>`,
    input,
  );
}

/** Wrong length or characters: not an ID code at all. */
export function malformedPage(input: string, message: string, suggestions: CodeTarget[]): ProblemPage {
  return problem(
    400,
    'This is not an ID code',
    html`<p class="problem" id="problem">
        <span class="code">${shown(input)}</span> is not an ID code: ${message}.
      </p>
      ${suggestionList(suggestions)} ${ALPHABET_HINT}`,
    input,
  );
}

/** A valid code that no object has. */
export function unknownPage(code: string): ProblemPage {
  return problem(
    404,
    'No object has this code',
    html`<p class="problem" id="problem">
        The code <span class="code">${code}</span> is a valid ID code, but no part, location, lot, project or
        build here has it.
      </p>
      <p>The label may come from another buildtrace installation, or from a test print.</p>`,
  );
}

/** `/id/<code>/<serial>` where the code is not a build's. */
export function notABuildPage(target: CodeTarget, serial: string): ProblemPage {
  return problem(
    404,
    `This is a ${target.kind}, not a build`,
    html`<p class="problem" id="problem">
        Serial numbers belong to builds, and ${codeLink(target.code)} is a ${target.kind} (${target.label}),
        so it has no unit with serial ${shown(serial)}.
      </p>
      <p>Open ${codeLink(target.code, `the ${target.kind}`)} instead.</p>`,
  );
}

/** `/id/<build>/<serial>` where the build has no such unit. */
export function noUnitPage(
  build: string,
  serial: number,
  trackUnits: boolean,
  quantity: number,
): ProblemPage {
  return problem(
    404,
    `No unit with serial ${serial}`,
    html`<p class="problem" id="problem">
      ${
        trackUnits
          ? html`Build ${codeLink(build)} has no unit with serial
            ${serial}${serial > quantity ? ` (its serials run from 1 to ${quantity})` : ' yet'}.`
          : html`Build ${codeLink(build)} does not track its units one by one, so they have no serial numbers.`
      }
    </p>`,
  );
}

/** A link the pages did not make (a bad serial or cursor). */
export function badLinkPage(message: string): ProblemPage {
  return problem(400, 'This link is broken', html`<p class="problem" id="problem">${message}</p>`);
}

/** Pages are not public here: sign in with an API token. */
export function signInPage(detail: string, next = '/'): ProblemPage {
  const target = next.startsWith('/') && !next.startsWith('//') ? next : '/';
  return problem(
    401,
    'Sign in',
    html`<p class="problem" id="problem">${detail}</p>
      <p>
        <a href="/signin?next=${encodeURIComponent(target)}">Sign in</a> with a link from Slack (<span
          class="code"
          >/buildtrace login</span
        >) or, at a scan station, with an API token.
      </p>
      <p class="meta">Programs can send the token as a Bearer token, or as the HTTP Basic auth password.</p>`,
  );
}

/** Something failed on our side. */
export function errorPage(requestId: string): ProblemPage {
  return problem(
    500,
    'Something went wrong',
    html`<p class="problem" id="problem">Something went wrong on our side. Try again in a moment.</p>
      <p class="meta">Request id <span class="code">${requestId}</span></p>`,
  );
}

/** Something the page needed is gone (e.g. deleted between two reads). */
export function missingPage(message: string): ProblemPage {
  return problem(404, 'Not found', html`<p class="problem" id="problem">${message}</p>`);
}
