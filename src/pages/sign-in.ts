/**
 * The sign-in pages: how to get a link from Slack, the scan station's token form, and the
 * confirmation a sign-in link opens (the link signs in only when its button is pressed, so a link
 * previewer or a scanner that opens URLs cannot use it up).
 */
import { field, postForm, type FormState } from './forms.ts';
import { html } from './html.ts';
import type { PageContent } from './layout.ts';

/** Only paths of this site are followed after a sign-in. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]{0,500}$/.test(next) ? next : '/';
}

export function signInChoicePage(options: {
  csrf: string;
  next: string;
  state: FormState | null;
  signedInAs: string | null;
}): PageContent {
  return {
    title: 'Sign in',
    body: html`<h1>Sign in</h1>
      ${
        options.signedInAs
          ? html`<p class="banner ok" role="status">You are signed in as ${options.signedInAs}.</p>`
          : null
      }
      <section aria-labelledby="person-heading">
        <h2 id="person-heading">A person</h2>
        <p>
          In Slack, type <span class="code">/buildtrace login</span>. buildtrace answers with a link only you
          can see; open it on this phone within 5 minutes. You act with your Slack role.
        </p>
      </section>
      <section aria-labelledby="station-heading">
        <h2 id="station-heading">A scan station</h2>
        <p>A station without a person signs in with an API token (it acts with the token's role).</p>
        ${postForm({
          id: 'kiosk',
          action: '/signin',
          csrf: options.csrf,
          submit: 'Sign in',
          state: options.state,
          fieldNames: ['token'],
          body: [
            html`<input type="hidden" name="next" value="${options.next}" />`,
            field(
              'kiosk',
              { name: 'token', label: 'API token', required: true, maxlength: 200, type: 'text' },
              // A token is a secret: never typed back into the page.
              options.state ? { ...options.state, values: {} } : null,
            ),
          ],
        })}
      </section>`,
  };
}

export function confirmLinkPage(options: { csrf: string; action: string; next: string }): PageContent {
  return {
    title: 'Sign in',
    body: html`<h1>Sign in to buildtrace</h1>
      <p>This link from Slack signs you in on this device, once.</p>
      ${postForm({
        id: 'confirm',
        action: options.action,
        csrf: options.csrf,
        submit: 'Sign in',
        body: html`<input type="hidden" name="next" value="${options.next}" />`,
      })}`,
  };
}

export function refusedPage(
  status: number,
  title: string,
  message: string,
  retry?: string,
): { status: number; page: PageContent } {
  return {
    status,
    page: {
      title,
      body: html`<p class="kicker">Not done</p>
        <h1>${title}</h1>
        <p class="problem" id="problem" role="alert">${message}</p>
        ${retry ? html`<p><a href="${retry}">Back</a></p>` : null}`,
    },
  };
}
