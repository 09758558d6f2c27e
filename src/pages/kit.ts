/**
 * What every page handler shares: finding who asks (session cookie, API token, or a stranger with a
 * public link), running commands as them, security headers, and an HTML answer for every outcome —
 * a page, a redirect, or a refusal page with the status the refusal deserves.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { execute, type Command, type CommandDeps } from '../commands/define.ts';
import { keepSession, openSession, sessionNeedsKeeping } from '../commands/sessions.ts';
import { hashToken } from '../commands/tokens.ts';
import type { BlobStore } from '../commands/ports.ts';
import { DomainError, NotFoundError, ValidationError } from '../domain/errors.ts';
import { banner } from './forms.ts';
import { html } from './html.ts';
import { layout, type PageContent } from './layout.ts';
import { badLinkPage, errorPage, missingPage, signInPage, type ProblemPage } from './not-found.ts';
import {
  SESSION_COOKIE,
  STRANGER,
  STRANGER_ACTOR,
  clearSessionCookie,
  cookiesOf,
  sessionSecret,
  type Visitor,
} from './visitor.ts';

export interface PagesOptions {
  /** `PAGES_PUBLIC`: strangers with a link see the public view (otherwise a sign-in is needed). */
  public: boolean;
  /** `PAGES_PUBLIC_LINKS`: what the public view of a device also shows. */
  publicLinks?: readonly { title: string; url: string }[];
  /** `PUBLIC_URL`: where people reach us (the origin forms must come from; https ⇒ Secure cookies). */
  publicUrl?: string;
  /** Where a note's photo is stored, and how large it may be. */
  uploads?: { store: BlobStore; maxBytes: number };
  /**
   * `DATABASE_READ_MAX_LAG_MS` when a read replica is configured: how long after a POST its poster's
   * pages are read from the primary (undefined: no replica, every read is the primary's).
   */
  replicaMaxLagMs?: number;
}

/**
 * `default-src 'self'` with no inline script or style is all the pages need; also no plugins, no
 * framing, no `<base>` tricks, and forms only to ourselves.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; base-uri 'none'; object-src 'none'; form-action 'self'; frame-ancestors 'none'";

export type Outcome = ProblemPage | { redirect: string; status: 301 | 302 | 303 };
export const ok = (page: PageContent): ProblemPage => ({ status: 200, page });
/** What a handler that wrote its own answer to `res` (a CSV export) returns: nothing more is sent. */
export const streamed = (): Outcome => ({ status: 200, page: { title: '', body: null } });

/** Runs a command as the page's visitor. */
export type Runner = <S extends z.ZodType, R>(command: Command<S, R>, input: unknown) => Promise<R>;

export interface PageCall {
  run: Runner;
  visitor: Visitor;
}

/** The token in `Authorization`: a Bearer token, or the Basic auth password (or user name alone). */
export function presentedToken(req: Request): string | undefined {
  const header = req.get('authorization') ?? '';
  const bearer = /^Bearer\s+(\S{1,200})\s*$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]{1,400})\s*$/i.exec(header);
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  return password || user || undefined;
}

export function pageKit(deps: CommandDeps, options: PagesOptions) {
  const secure = (options.publicUrl ?? '').startsWith('https:');

  /** Who asks; null when the pages are not public and nobody signed in. */
  async function visitorOf(req: Request, res: Response): Promise<Visitor | null> {
    if (cookiesOf(req)[SESSION_COOKIE] !== undefined) {
      const secret = sessionSecret(req);
      const session = secret ? await execute(deps, openSession, STRANGER_ACTOR, { secret }) : null;
      // Most requests only read: a session is written to once a minute, or to hand over a message.
      if (session && sessionNeedsKeeping(session))
        await execute(deps, keepSession, STRANGER_ACTOR, { session: session.id });
      if (session)
        return {
          actor: { name: session.actor, role: session.role },
          session,
          full: true,
          csrf: session.csrfSecret,
        };
      // Revoked, expired or made up: forget it, and go on as if it had not been sent.
      clearSessionCookie(res, secure);
    }
    const token = presentedToken(req);
    if (token) {
      const found = await deps.uow.read((repos) => repos.tokens.findActiveByHash(hashToken(token)));
      if (found)
        return {
          actor: { name: `page:token:${found.name}`, role: 'viewer' },
          session: null,
          full: true,
          csrf: '',
        };
      if (!options.public) return null;
    }
    return options.public ? STRANGER : null;
  }

  function send(res: Response, outcome: Outcome, visitor: Visitor | null): void {
    if (res.headersSent) {
      // The handler streamed its answer (a CSV export); one that failed halfway is cut off, so the
      // download shows as failed rather than as a complete but short file.
      if (!res.writableEnded) res.destroy();
      return;
    }
    if ('redirect' in outcome) {
      res.redirect(outcome.status, outcome.redirect);
      return;
    }
    const page = outcome.page;
    const flash = visitor?.session?.flash;
    res
      .status(outcome.status)
      .type('html')
      .send(
        layout({
          ...page,
          account: visitor?.session
            ? { name: visitor.session.actor, role: visitor.session.role, csrf: visitor.csrf }
            : visitor?.full
              ? undefined
              : null,
          body: flash && outcome.status < 400 ? html`${banner('ok', flash)}${page.body}` : page.body,
        }),
      );
  }

  /** The answer to a refusal or failure, as a page. */
  function failure(req: Request, error: unknown): ProblemPage {
    if (error instanceof ValidationError) return badLinkPage(error.message);
    if (error instanceof NotFoundError) return missingPage(error.message);
    if (error instanceof DomainError) return badLinkPage(error.message);
    req.log?.error({ err: error }, 'page failed');
    return errorPage(String(req.id ?? ''));
  }

  type Handler = (req: Request, call: PageCall, res: Response) => Promise<Outcome>;

  /**
   * Runs a page handler: headers, who asks, and an HTML answer for every failure. Pages that are not
   * `open` need a visitor (PAGES_PUBLIC=false: a session or a token); open ones (sign-in) take anyone.
   */
  const handle =
    (handler: Handler, open: boolean): RequestHandler =>
    async (req, res) => {
      res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'same-origin');
      // A signed-in page shows what a stranger must not: never kept by a shared cache.
      res.setHeader('Cache-Control', 'private, no-store');
      res.setHeader('Vary', 'Authorization, Cookie');
      let visitor: Visitor | null = null;
      try {
        visitor = await visitorOf(req, res);
        if (!visitor && open) visitor = STRANGER;
        if (!visitor) {
          res.setHeader('WWW-Authenticate', 'Basic realm="buildtrace pages", charset="UTF-8"');
          const detail = presentedToken(req)
            ? 'The API token is unknown or revoked.'
            : 'This page needs you to sign in.';
          return send(res, signInPage(detail, req.originalUrl), null);
        }
        const who = visitor;
        const run: Runner = (command, input) => execute(deps, command, who.actor, input);
        send(res, await handler(req, { run, visitor: who }, res), visitor);
      } catch (error) {
        send(res, failure(req, error), visitor);
      }
    };

  const page = (handler: Handler) => handle(handler, false);
  const open = (handler: Handler) => handle(handler, true);

  return { page, open, send, visitorOf, failure, secure };
}

export type PageKit = ReturnType<typeof pageKit>;
