/**
 * Signing in to the pages (docs/pages.md "Sign-in"). A Slack user asks for a one-time link
 * ({@link createSignInLink}); opening it and confirming starts a person's session
 * ({@link signInWithLink}) with the role the user had when they asked. A scan station signs in with
 * an API token ({@link signInWithToken}): a kiosk session acting as `kiosk:<token name>` with the
 * token's role. The pages find the session from its cookie on every request ({@link openSession})
 * and post with its CSRF secret. Sessions end by signing out, by expiring, when an admin revokes
 * them, when the person's Slack role changes, or when the kiosk's token is revoked.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { NotFoundError, RuleViolation, UnauthenticatedError } from '../domain/errors.ts';
import type { Actor } from '../domain/roles.ts';
import {
  SIGN_IN_LINK_TTL_MS,
  STATION_FLOWS,
  STATION_RECENT,
  sessionExpiry,
  type PageSession,
  type StationState,
} from '../domain/sessions.ts';
import { defineCommand } from './define.ts';
import type { Repositories } from './ports.ts';
import { hashToken } from './tokens.ts';
import { flag, numericId, pageQuery } from './validation.ts';

/** Secrets are long and random: a SHA-256 of them is all that is kept. */
export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');
const newSecret = () => randomBytes(32).toString('base64url');

/** A secret as it arrives from a URL or a cookie: base64url, nothing longer than a secret. */
const secretInput = z
  .string()
  .regex(/^[A-Za-z0-9_-]{20,100}$/, 'is not a sign-in secret')
  .describe('the secret from the link or the cookie');
const userAgent = z
  .string()
  .max(1_000)
  .optional()
  .transform((v) => (v ? v.slice(0, 300) : null));

/** The Slack user an actor is (`slack:U024BE7LH` → `U024BE7LH`); refused for anyone else. */
function slackUserOf(actor: Actor, refusal: string): string {
  const match = /^slack:([A-Z0-9]{2,30})$/.exec(actor.name);
  if (!match) throw new RuleViolation(refusal);
  return match[1]!;
}

async function startSession(
  repos: Repositories,
  session: Omit<Parameters<Repositories['sessions']['insert']>[0], 'hash' | 'csrfSecret' | 'expiresAt'>,
): Promise<{ session: PageSession; secret: string }> {
  const secret = newSecret();
  const now = new Date();
  const started = await repos.sessions.insert({
    ...session,
    hash: hashSecret(secret),
    csrfSecret: newSecret(),
    expiresAt: sessionExpiry(session.kind, now, now),
  });
  return { session: started, secret };
}

/** A session that replaces another (a sign-in from a browser that had one) ends the old one. */
async function endReplaced(repos: Repositories, replaces: string | undefined): Promise<void> {
  if (!replaces) return;
  const old = await repos.sessions.findLive(hashSecret(replaces));
  if (old) await repos.sessions.revoke(old.id);
}

export const createSignInLink = defineCommand({
  name: 'createSignInLink',
  summary: 'A one-time link that signs the asking Slack user in to the pages (Slack /buildtrace login)',
  role: 'viewer',
  mode: 'write',
  input: z.strictObject({}),
  async run({ repos, actor }) {
    const slackUser = slackUserOf(
      actor,
      'sign-in links are for Slack users: ask with /buildtrace login in Slack',
    );
    const secret = newSecret();
    const expiresAt = new Date(Date.now() + SIGN_IN_LINK_TTL_MS);
    await repos.sessions.insertLink({ hash: hashSecret(secret), slackUser, role: actor.role, expiresAt });
    return { secret, expiresAt, role: actor.role };
  },
});

const LINK_REFUSALS = {
  unknown:
    'This sign-in link is not one buildtrace made (it may be cut short). Ask Slack for a new one: /buildtrace login',
  used: 'This sign-in link has been used already: each link signs in once. Ask Slack for a new one: /buildtrace login',
  expired: 'This sign-in link has expired (links last 5 minutes). Ask Slack for a new one: /buildtrace login',
} as const;

export const signInWithLink = defineCommand({
  name: 'signInWithLink',
  summary: "Use a one-time sign-in link: a new page session as its Slack user, with the user's role",
  role: 'viewer',
  mode: 'write',
  input: z.strictObject({ secret: secretInput, userAgent, replaces: secretInput.optional() }),
  async run({ repos }, { secret, userAgent, replaces }) {
    const used = await repos.sessions.useLink(hashSecret(secret));
    if ('refused' in used) throw new UnauthenticatedError(LINK_REFUSALS[used.refused]);
    await endReplaced(repos, replaces);
    return startSession(repos, {
      kind: 'person',
      actor: `slack:${used.slackUser}`,
      role: used.role,
      slackUser: used.slackUser,
      tokenId: null,
      userAgent,
    });
  },
});

export const signInWithToken = defineCommand({
  name: 'signInWithToken',
  summary: "Sign a scan station in with an API token: a kiosk session with the token's role",
  role: 'viewer',
  mode: 'write',
  input: z.strictObject({
    token: z.string().trim().min(1, 'is required').max(200),
    userAgent,
    replaces: secretInput.optional(),
  }),
  async run({ repos }, { token, userAgent, replaces }) {
    const found = await repos.tokens.findActiveByHash(hashToken(token));
    if (!found) throw new UnauthenticatedError('This API token is unknown or revoked.');
    await endReplaced(repos, replaces);
    return startSession(repos, {
      kind: 'kiosk',
      actor: `kiosk:${found.name}`,
      role: found.role,
      slackUser: null,
      tokenId: found.id,
      userAgent,
    });
  },
});

export const openSession = defineCommand({
  name: 'openSession',
  summary: 'The live page session a cookie names (a read: see keepSession)',
  role: 'viewer',
  mode: 'read',
  reads: 'primary',
  input: z.strictObject({ secret: secretInput }),
  run: ({ repos }, { secret }): Promise<PageSession | null> => repos.sessions.findLive(hashSecret(secret)),
});

/** Whether an opened session needs {@link keepSession}: seen over a minute ago, or a message to hand over. */
export const sessionNeedsKeeping = (session: PageSession, now = new Date()) =>
  session.flash !== null || now.getTime() - session.lastSeenAt.getTime() > 60_000;

export const keepSession = defineCommand({
  name: 'keepSession',
  summary: 'Keep a page session alive (at most once a minute) and hand over its one-time message',
  role: 'viewer',
  mode: 'write',
  input: z.strictObject({ session: numericId }),
  async run({ repos }, { session: id }) {
    const session = await repos.sessions.findLiveById(id);
    if (!session) return;
    const now = new Date();
    if (now.getTime() - session.lastSeenAt.getTime() > 60_000)
      await repos.sessions.touch(session.id, sessionExpiry(session.kind, session.createdAt, now));
    if (session.flash !== null) await repos.sessions.setFlash(session.id, null);
  },
});

export const signOut = defineCommand({
  name: 'signOut',
  summary: 'End the page session a cookie names (the sign-out button)',
  role: 'viewer',
  mode: 'write',
  input: z.strictObject({ secret: secretInput }),
  async run({ repos }, { secret }) {
    const session = await repos.sessions.findLive(hashSecret(secret));
    if (session) await repos.sessions.revoke(session.id);
    return { signedOut: session !== null };
  },
});

export const signOutSlackUser = defineCommand({
  name: 'signOutSlackUser',
  summary: 'End every page session of the asking Slack user (Slack /buildtrace logout)',
  role: 'viewer',
  mode: 'write',
  input: z.strictObject({}),
  async run({ repos, actor }) {
    const slackUser = slackUserOf(actor, 'only a Slack user can sign their sessions out this way');
    return { ended: await repos.sessions.revokeForSlackUser(slackUser) };
  },
});

export const flashMessage = defineCommand({
  name: 'flashMessage',
  summary: 'Leave a one-time message for the next page a session opens ("Test result recorded")',
  role: 'viewer',
  mode: 'write',
  input: z.strictObject({ session: numericId, message: z.string().max(500) }),
  async run({ repos }, { session, message }) {
    await repos.sessions.setFlash(session, message);
  },
});

const stationEntry = z.strictObject({
  ok: z.boolean(),
  text: z.string().max(500),
  code: z.string().max(40).nullable(),
  at: z.string().max(40),
});
const stationState = z.strictObject({
  flow: z.enum(STATION_FLOWS),
  settings: z.record(z.string().max(40), z.string().max(2_000)),
  pending: z.strictObject({ code: z.string().max(40), label: z.string().max(300) }).nullable(),
  ok: z.int().nonnegative(),
  failed: z.int().nonnegative(),
  recent: z.array(stationEntry).max(STATION_RECENT),
});

export const saveStation = defineCommand({
  name: 'saveStation',
  summary: "Keep a scan station's workflow, settings and tally with its session",
  role: 'viewer',
  mode: 'write',
  input: z.strictObject({ session: numericId, station: stationState.nullable() }),
  async run({ repos }, { session, station }) {
    await repos.sessions.setStation(session, station as StationState | null);
  },
});

/** A session as the API lists it: never its secrets. */
const presentSession = ({ csrfSecret: _csrf, flash: _flash, station, ...rest }: PageSession) => ({
  ...rest,
  station: station?.flow ?? null,
});

export const listPageSessions = defineCommand({
  name: 'listPageSessions',
  summary: 'List page sessions (who is signed in to the pages, from where, until when)',
  role: 'admin',
  mode: 'read',
  input: pageQuery.extend({
    live: flag.optional().describe('only sessions that are still live'),
  }),
  async run({ repos }, page) {
    const found = await repos.sessions.list(page);
    return { ...found, items: found.items.map(presentSession) };
  },
});

export const revokePageSession = defineCommand({
  name: 'revokePageSession',
  summary: 'End a page session now (its next request is signed out)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ id: numericId }),
  async run({ repos }, { id }) {
    const session = await repos.sessions.revoke(id);
    if (!session) throw new NotFoundError('session', String(id), undefined, 'id');
    return presentSession(session);
  },
});
