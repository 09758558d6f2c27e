/**
 * SSRF protection for webhook endpoints. A subscriber chooses the URL we POST to, so without a check
 * anyone allowed to save an endpoint could make our workers talk to the database, Redis, a cloud
 * metadata service or an admin page on the internal network.
 *
 * The check runs twice:
 * - when an endpoint is saved ({@link checkEndpointUrl}), to give the user a clear error early;
 * - when a delivery connects ({@link createGuardedLookup}, passed as the socket's `lookup`), because
 *   DNS can change in between (DNS rebinding: a name that resolved to a public address at save time
 *   resolves to 127.0.0.1 at delivery time). The socket connects to exactly the addresses this
 *   lookup approved — there is no second resolution to race.
 *
 * An address passes when it is public ({@link isPublicAddress}) or on the allow list; a host name
 * on the allow list passes whatever it resolves to, but must resolve. Both checks see the host the
 * same way ({@link hostOf}): `LocalHost.` is checked, resolved and connected to as `localhost`.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import {
  type AllowList,
  isPublicAddress,
  normalizeHost,
  parseAllowList,
  parseIpAddress,
} from '../domain/webhook-addresses.ts';

const compiledAllowLists = new Map<string, AllowList>();

/**
 * The compiled form of allow-list entries, cached: deliveries pass the same configured list every
 * time. Throws a RangeError for a bad entry (see parseAllowList).
 */
export function allowListOf(entries: readonly string[] | AllowList = []): AllowList {
  if ('allowsAddress' in entries) return entries;
  const key = entries.join('\n');
  let compiled = compiledAllowLists.get(key);
  if (!compiled) {
    compiled = parseAllowList(entries);
    // Lists come from configuration, so there are few; the bound only guards against misuse.
    if (compiledAllowLists.size >= 64) compiledAllowLists.clear();
    compiledAllowLists.set(key, compiled);
  }
  return compiled;
}

/** Resolves a host name to all its addresses (dns.lookup with `all: true`: what sockets use). */
export type Resolve = (
  hostname: string,
  options: { family: number; hints: number },
) => Promise<LookupAddress[]>;

/** The system resolver, as net.connect would use it (hosts file, nsswitch, search domains). */
export const systemResolve: Resolve = (hostname, { family, hints }) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true, family, hints }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    );
  });

/** Raised by the guarded lookup; the delivery reports it as outcome `refused`. */
export class AddressRefusedError extends Error {
  readonly code = 'EADDRREFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'AddressRefusedError';
  }
}

/**
 * The host a URL is checked and connected by: lower case, without the brackets of an IPv6 literal
 * or a trailing dot (`localhost.` is `localhost`, as on the allow list). Both checks resolve this
 * name, so a URL accepted when it is saved is the one its deliveries connect to.
 */
export function hostOf(url: URL): string {
  return normalizeHost(url.hostname);
}

/**
 * Why a literal address or the addresses a host resolved to may not be connected to, or null when
 * they may. Every address must pass: a name that mixes public and internal addresses is either
 * misconfigured or an attack, and connecting to "the public one" would depend on resolver order.
 */
export function refusalFor(host: string, addresses: readonly string[], allowList: AllowList): string | null {
  if (allowList.allowsHost(host)) return null;
  if (addresses.length === 0) return `${host} did not resolve to any address`;
  const literal = parseIpAddress(host) !== null;
  for (const address of addresses) {
    if (isPublicAddress(address) || allowList.allowsAddress(address)) continue;
    return literal ? `address ${address} is not public` : `address ${address} of ${host} is not public`;
  }
  return null;
}

/**
 * A `lookup` for http.Agent / net.connect that resolves, then refuses (with an
 * {@link AddressRefusedError}) unless every address passes. Handles both call shapes net uses:
 * `all: true` (Happy Eyeballs, the default since Node 20) and a single address.
 * Sockets skip `lookup` for IP literals, so the caller checks those itself ({@link refusalFor}).
 */
export function createGuardedLookup(allowList: AllowList, resolve: Resolve = systemResolve): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    const host = normalizeHost(hostname);
    resolve(hostname, {
      family: typeof options.family === 'number' ? options.family : 0,
      hints: options.hints ?? 0,
    }).then(
      (addresses) => {
        const refusal = refusalFor(
          host,
          addresses.map((a) => a.address),
          allowList,
        );
        if (refusal) return callback(new AddressRefusedError(refusal), '');
        if (options.all) return callback(null, addresses);
        const first = addresses[0]!;
        callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}

/** The result of checking an endpoint URL; `reason` is meant for the user who entered the URL. */
export type EndpointUrlCheck = { ok: true } | { ok: false; reason: string };

const MAX_URL_LENGTH = 2048;

/**
 * What can be said about a URL without resolving it: parsable, http(s), no credentials (they would
 * be sent to the subscriber in clear and end up in our logs), not absurdly long.
 */
export function checkUrlShape(url: string): { ok: true; url: URL } | { ok: false; reason: string } {
  if (url.length > MAX_URL_LENGTH)
    return { ok: false, reason: `URL is longer than ${MAX_URL_LENGTH} characters` };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: 'not a valid URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return { ok: false, reason: 'scheme must be http or https' };
  if (parsed.username !== '' || parsed.password !== '')
    return { ok: false, reason: 'URL must not contain credentials' };
  if (parsed.hostname === '') return { ok: false, reason: 'URL has no host' };
  return { ok: true, url: parsed };
}

/**
 * Checks a webhook endpoint URL when it is saved: its shape, then every address its host resolves
 * to (see the file comment). `resolve` is injectable for tests.
 */
export async function checkEndpointUrl(
  url: string,
  allowList: readonly string[] | AllowList = [],
  resolve: Resolve = systemResolve,
): Promise<EndpointUrlCheck> {
  const allowed = allowListOf(allowList);
  const shape = checkUrlShape(url);
  if (!shape.ok) return shape;
  const host = hostOf(shape.url);
  let addresses: string[];
  if (parseIpAddress(host)) {
    addresses = [host];
  } else {
    // Resolved even when the name is allow-listed: a name that does not resolve now would fail
    // every delivery. It is the name the socket resolves at connect time (see hostOf).
    try {
      addresses = (await resolve(host, { family: 0, hints: 0 })).map((a) => a.address);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return {
        ok: false,
        reason:
          code === 'ENOTFOUND'
            ? `host ${host} does not exist`
            : `host ${host} could not be resolved (${code ?? 'error'})`,
      };
    }
  }
  const refusal = refusalFor(host, addresses, allowed);
  return refusal ? { ok: false, reason: refusal } : { ok: true };
}
