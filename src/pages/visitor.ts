/**
 * Who is reading or posting a page, and the browser-side of sessions: the session cookie, the CSRF
 * checks of every form, the origin check of every POST.
 *
 * - A signed-in person or station has a session (cookie `bt_session`: HttpOnly, SameSite=Lax, Path=/,
 *   Secure when PUBLIC_URL is https). Reads and actions run as the session's actor with its role.
 * - Every form carries `_csrf`: the session's CSRF secret, or before sign-in a random value that must
 *   match the `bt_pre` cookie (double submit). A POST whose Origin (or, without one, Sec-Fetch-Site)
 *   says it came from another site is refused whatever it carries.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Actor } from '../domain/roles.ts';
import type { PageSession } from '../domain/sessions.ts';

export const SESSION_COOKIE = 'bt_session';
export const PRE_COOKIE = 'bt_pre';
/**
 * Set by every POST when a read replica is configured, for as long as the replica may lag: while
 * the browser sends it, its pages are read from the primary, so they show what it just did.
 */
export const FRESH_COOKIE = 'bt_fresh';

/** Who a visitor acts as before any sign-in: a viewer seeing the public view only. */
export const STRANGER_ACTOR: Actor = { name: 'page', role: 'viewer' };
/** A visitor with no session and no token. */
export const STRANGER: Visitor = { actor: STRANGER_ACTOR, session: null, full: false, csrf: '' };

/** The session cookie's secret, when it has the shape of one. */
export function sessionSecret(req: Request): string | undefined {
  const secret = cookiesOf(req)[SESSION_COOKIE];
  return secret && /^[A-Za-z0-9_-]{20,100}$/.test(secret) ? secret : undefined;
}

/** Who asks: an actor, and whether they may see more than the public view. */
export interface Visitor {
  actor: Actor;
  /** The session, when signed in. */
  session: PageSession | null;
  /** false: a stranger with a public link — the public view only. */
  full: boolean;
  /** The CSRF value forms of this page carry. */
  csrf: string;
}

/** The request's cookies (only well-formed `name=value` pairs; the first of a name wins). */
export function cookiesOf(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at < 1) continue;
    const name = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (!(name in out) && /^[A-Za-z0-9_-]{1,200}$/.test(value)) out[name] = value;
  }
  return out;
}

function cookie(name: string, value: string, secure: boolean, maxAgeSeconds: number): string {
  return [
    `${name}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${maxAgeSeconds}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

/** Sets the session cookie (a fresh secret at every sign-in). */
export function setSessionCookie(res: Response, secret: string, expiresAt: Date, secure: boolean): void {
  const seconds = Math.max(60, Math.round((expiresAt.getTime() - Date.now()) / 1000));
  res.append('Set-Cookie', cookie(SESSION_COOKIE, secret, secure, seconds));
}

export function clearSessionCookie(res: Response, secure: boolean): void {
  res.append('Set-Cookie', cookie(SESSION_COOKIE, '', secure, 0));
}

/** Asks the browser to read from the primary for the next `seconds` (see {@link FRESH_COOKIE}). */
export function setFreshCookie(res: Response, seconds: number, secure: boolean): void {
  res.append('Set-Cookie', cookie(FRESH_COOKIE, '1', secure, seconds));
}

/** The pre-session CSRF value: the cookie's, or a new one set on the response. */
export function preSessionCsrf(req: Request, res: Response, secure: boolean): string {
  const existing = cookiesOf(req)[PRE_COOKIE];
  if (existing && existing.length >= 20) return existing;
  const value = randomBytes(24).toString('base64url');
  res.append('Set-Cookie', cookie(PRE_COOKIE, value, secure, 60 * 60));
  return value;
}

/** Constant-time comparison of a form's `_csrf` with what it must be. */
export function csrfMatches(expected: string | undefined, given: unknown): boolean {
  if (!expected || typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Whether a POST came from our own pages: its Origin is this server's (as the browser reached it,
 * or PUBLIC_URL's), or — browsers that send no Origin — Sec-Fetch-Site is not `cross-site`.
 */
export function sameOrigin(req: Request, publicUrl: string): boolean {
  const origin = req.get('origin');
  if (origin) {
    if (origin === 'null') return false;
    const own = `${req.protocol}://${req.get('host') ?? ''}`;
    return origin === own || origin === new URL(publicUrl).origin;
  }
  const site = req.get('sec-fetch-site');
  return site === undefined || site === 'same-origin' || site === 'none';
}

/** A form field that was filled in (trimmed), or undefined when it was left empty. */
export const filled = (value: string | undefined) =>
  value && value.trim() !== '' ? value.trim() : undefined;

/** A form's text fields (urlencoded): strings only, a repeated name keeps its first value. */
export function formFields(req: Request): Record<string, string> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    const first = Array.isArray(value) ? (value as unknown[])[0] : value;
    if (typeof first === 'string') out[name] = first;
  }
  return out;
}
