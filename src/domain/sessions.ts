/**
 * Page sessions: how people (and scan stations) are signed in to the pages. Nobody has a password
 * here. A person asks Slack (`/buildtrace login`) and gets a one-time link that is valid for
 * {@link SIGN_IN_LINK_TTL_MS}; a station without a person signs in with an API token (a kiosk
 * session). The secrets (link, session cookie) are kept only as hashes; a session acts as the actor
 * it names with the role it was given at sign-in, until it expires, is signed out, or an admin
 * revokes it (or the person's Slack role changes, which ends their sessions).
 */
import type { Role } from './roles.ts';

/** A sign-in link is good for this long after it was asked for, and once. */
export const SIGN_IN_LINK_TTL_MS = 5 * 60_000;
/** A person's session ends after this long without a request… */
export const PERSON_IDLE_MS = 12 * 60 * 60_000;
/** …and after this long in any case (a shift, a week of shifts). */
export const PERSON_MAX_MS = 7 * 24 * 60 * 60_000;
/** A kiosk (scan station) stays signed in longer: it is a machine on the line, not a phone. */
export const KIOSK_IDLE_MS = 7 * 24 * 60 * 60_000;
export const KIOSK_MAX_MS = 90 * 24 * 60 * 60_000;

export type SessionKind = 'person' | 'kiosk';

export interface PageSession {
  id: number;
  kind: SessionKind;
  /** Who acts: `slack:<user id>` for a person, `kiosk:<token name>` for a station. */
  actor: string;
  role: Role;
  slackUser: string | null;
  tokenId: number | null;
  /** The form token every POST must carry (compared in constant time). */
  csrfSecret: string;
  userAgent: string | null;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  /** The one message the next page shows, then forgets. */
  flash: string | null;
  /** What a scan station remembers between scans. */
  station: StationState | null;
}

/** The scan station workflows (`/station/<flow>`). */
export const STATION_FLOWS = ['test', 'ship', 'install', 'identify', 'receive'] as const;
export type StationFlow = (typeof STATION_FLOWS)[number];

/** One line of a station's running tally, newest first. */
export interface StationEntry {
  ok: boolean;
  text: string;
  /** The object the scan was about, when there was one. */
  code: string | null;
  at: string;
}

export interface StationState {
  flow: StationFlow;
  /** Settings chosen at the top of the station (test: station name, result, measurements; ship: shipment; identify: kind). */
  settings: Record<string, string>;
  /** A scan waiting for its second half (install: the module; identify: the unit). */
  pending: { code: string; label: string } | null;
  ok: number;
  failed: number;
  recent: StationEntry[];
}

/** How many tally lines a station keeps. */
export const STATION_RECENT = 20;

/** When a session that was just seen expires: idle time from now, but never past its maximum age. */
export function sessionExpiry(kind: SessionKind, createdAt: Date, now: Date): Date {
  const idle = kind === 'kiosk' ? KIOSK_IDLE_MS : PERSON_IDLE_MS;
  const max = kind === 'kiosk' ? KIOSK_MAX_MS : PERSON_MAX_MS;
  return new Date(Math.min(now.getTime() + idle, createdAt.getTime() + max));
}

/** A fresh station: no settings, an empty tally. */
export function newStation(flow: StationFlow): StationState {
  return { flow, settings: {}, pending: null, ok: 0, failed: 0, recent: [] };
}

/** The station after one scan's answer: counted, and at the top of the recent list. */
export function tallied(state: StationState, entry: StationEntry): StationState {
  return {
    ...state,
    ok: state.ok + (entry.ok ? 1 : 0),
    failed: state.failed + (entry.ok ? 0 : 1),
    recent: [{ ...entry, text: entry.text.slice(0, 480) }, ...state.recent].slice(0, STATION_RECENT),
  };
}
