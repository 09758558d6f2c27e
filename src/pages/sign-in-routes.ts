/**
 * `/signin` (how to sign in; a station's token form), `/signin/<secret>` (a link from Slack: confirm,
 * then a session) and `/signout`. Every sign-in starts a new session with a new secret — the old
 * one, if the browser had one, ends — so a session id planted before sign-in is worth nothing.
 */
import type { Router } from 'express';
import type { CommandDeps } from '../commands/define.ts';
import { execute } from '../commands/define.ts';
import { signInWithLink, signInWithToken, signOut } from '../commands/sessions.ts';
import { DomainError } from '../domain/errors.ts';
import { ok, type PageKit } from './kit.ts';
import { confirmLinkPage, refusedPage, safeNext, signInChoicePage } from './sign-in.ts';
import {
  PRE_COOKIE,
  STRANGER_ACTOR,
  clearSessionCookie,
  cookiesOf,
  csrfMatches,
  formFields,
  preSessionCsrf,
  sameOrigin,
  sessionSecret,
  setSessionCookie,
} from './visitor.ts';

export const FORGED =
  'This form did not come from this page (it is old, or another site sent it). Reload the page and try again.';

export function signInRoutes(router: Router, deps: CommandDeps, kit: PageKit, publicUrl: string): void {
  const { secure } = kit;

  router.get(
    '/signin',
    kit.open(async (req, { visitor }, res) =>
      ok(
        signInChoicePage({
          csrf: preSessionCsrf(req, res, secure),
          next: safeNext(req.query.next),
          state: null,
          signedInAs: visitor.session ? visitor.session.actor.replace(/^(slack|kiosk):/, '') : null,
        }),
      ),
    ),
  );

  router.post(
    '/signin',
    kit.open(async (req, _call, res) => {
      const form = formFields(req);
      const next = safeNext(form.next);
      const cookies = cookiesOf(req);
      if (!sameOrigin(req, publicUrl) || !csrfMatches(cookies[PRE_COOKIE], form._csrf))
        return refusedPage(403, 'Not signed in', FORGED, '/signin');
      try {
        const { session, secret } = await execute(deps, signInWithToken, STRANGER_ACTOR, {
          token: form.token ?? '',
          userAgent: req.get('user-agent'),
          replaces: sessionSecret(req),
        });
        setSessionCookie(res, secret, session.expiresAt, secure);
        return { status: 303, redirect: next };
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        return {
          status: error.kind === 'validation' ? 400 : 401,
          page: signInChoicePage({
            csrf: preSessionCsrf(req, res, secure),
            next,
            state: { values: {}, field: 'token', message: error.message.replace(/^token: /, '') },
            signedInAs: null,
          }),
        };
      }
    }),
  );

  router.get(
    '/signin/:secret',
    kit.open(async (req, _call, res) =>
      ok(
        confirmLinkPage({
          csrf: preSessionCsrf(req, res, secure),
          action: `/signin/${encodeURIComponent(String(req.params.secret))}`,
          next: safeNext(req.query.next),
        }),
      ),
    ),
  );

  router.post(
    '/signin/:secret',
    kit.open(async (req, _call, res) => {
      const form = formFields(req);
      const cookies = cookiesOf(req);
      if (!sameOrigin(req, publicUrl) || !csrfMatches(cookies[PRE_COOKIE], form._csrf))
        return refusedPage(403, 'Not signed in', FORGED, '/signin');
      try {
        const { session, secret } = await execute(deps, signInWithLink, STRANGER_ACTOR, {
          secret: String(req.params.secret),
          userAgent: req.get('user-agent'),
          replaces: sessionSecret(req),
        });
        setSessionCookie(res, secret, session.expiresAt, secure);
        return { status: 303, redirect: safeNext(form.next) };
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        const message =
          error.kind === 'validation'
            ? 'This is not a sign-in link buildtrace made. Ask Slack for a new one: /buildtrace login'
            : error.message;
        return refusedPage(401, 'Sign-in link not accepted', message, '/signin');
      }
    }),
  );

  router.post(
    '/signout',
    kit.open(async (req, { visitor }, res) => {
      const form = formFields(req);
      if (!visitor.session) {
        clearSessionCookie(res, secure);
        return { status: 303, redirect: '/signin' };
      }
      if (!sameOrigin(req, publicUrl) || !csrfMatches(visitor.csrf, form._csrf))
        return refusedPage(403, 'Not signed out', FORGED, '/');
      await execute(deps, signOut, STRANGER_ACTOR, { secret: sessionSecret(req) });
      clearSessionCookie(res, secure);
      return { status: 303, redirect: '/signin' };
    }),
  );
}
