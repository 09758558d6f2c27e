/**
 * The delivery engine: one signed POST of one event to one webhook endpoint, reported as a
 * {@link DeliveryAttempt} that the `webhooks` job stores in the delivery log and feeds to
 * `decideAfterAttempt` (src/domain/webhooks.ts).
 *
 * Built on node:http/node:https rather than fetch to control what matters for a request whose
 * target is chosen by a third party:
 * - one total deadline (connect + TLS + response + body) instead of per-phase timeouts;
 * - redirects are never followed (a public URL could otherwise bounce us to an internal one);
 * - the response body is read up to a cap, then the connection is dropped;
 * - the socket's `lookup` is the SSRF guard, so it can only connect to approved addresses;
 * - keep-alive agents (one pair per allow list) reuse connections to the same subscriber, which
 *   is what makes thousands of deliveries per second possible.
 */
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { type AllowList, parseIpAddress } from '../domain/webhook-addresses.ts';
import { type AttemptOutcome, type DeliveryAttempt, outcomeOfStatus } from '../domain/webhooks.ts';

export type { DeliveryAttempt };
import {
  AddressRefusedError,
  allowListOf,
  checkUrlShape,
  createGuardedLookup,
  hostOf,
  refusalFor,
} from './address-guard.ts';
import { signatureHeaders } from './sign.ts';

/** One attempt to deliver one event to one endpoint. */
export interface DeliveryRequest {
  /** The endpoint's URL (http or https). */
  url: string;
  /** The delivery's id (`webhook-id`): the same on every attempt so receivers can deduplicate. */
  id: string;
  /**
   * The time of *this attempt* (`webhook-timestamp`), normally `new Date()`. Not the event's time:
   * receivers reject timestamps older than ~5 minutes, so a retry hours later must be re-stamped.
   * The event's own time is in the body.
   */
  timestamp: Date;
  /** The exact body to send, as made by `webhookBody`. */
  body: string;
  /** The endpoint's active secrets, newest first; each adds a signature. */
  secrets: readonly string[];
}

export interface DeliveryOptions {
  /** Total time for connecting, sending and receiving the response, in ms. Default 10,000. */
  timeoutMs?: number;
  /** Bytes of the response body kept as the excerpt; reading stops beyond. Default 64 KiB. */
  maxResponseBytes?: number;
  /** Host names, IPs and CIDR blocks that may be delivered to although not public. */
  allowList?: readonly string[] | AllowList;
  /** The User-Agent header. */
  userAgent?: string;
}

export const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
export const DEFAULT_USER_AGENT = 'buildtrace-webhooks/1.0';

interface Agents {
  http: http.Agent;
  https: https.Agent;
}

// One pair of agents per allow list, because the guarded lookup is part of the agent: a pooled
// socket approved under a looser list must never be reused under a stricter one.
const agentsByAllowList = new Map<string, Agents>();

function agentsFor(allowList: AllowList): Agents {
  const key = allowList.entries.join('\n');
  let agents = agentsByAllowList.get(key);
  if (!agents) {
    const options: http.AgentOptions = {
      keepAlive: true,
      // Idle pooled sockets are closed after this; servers typically close theirs after 5–60 s.
      timeout: 20_000,
      scheduling: 'lifo',
      lookup: createGuardedLookup(allowList),
    };
    agents = { http: new http.Agent(options), https: new https.Agent(options) };
    agentsByAllowList.set(key, agents);
  }
  return agents;
}

/** Closes every pooled connection; for graceful shutdown (pooled sockets never keep a process alive). */
export function closeDeliveryAgents(): void {
  for (const agents of agentsByAllowList.values()) {
    agents.http.destroy();
    agents.https.destroy();
  }
  agentsByAllowList.clear();
}

/**
 * Makes one attempt: signs the request, refuses non-public targets, POSTs, and classifies the
 * answer. Never rejects for anything the network or the subscriber does — every such failure is
 * a {@link DeliveryAttempt}; throws only for programming errors (no secret, malformed secret or
 * id, bad allow-list entry).
 */
export async function deliver(
  request: DeliveryRequest,
  options: DeliveryOptions = {},
): Promise<DeliveryAttempt> {
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const allowList = allowListOf(options.allowList);
  const headers: http.OutgoingHttpHeaders = {
    ...signatureHeaders(request),
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(request.body),
    'user-agent': options.userAgent ?? DEFAULT_USER_AGENT,
  };
  const elapsed = () => Math.round(performance.now() - started);
  const refused = (error: string): DeliveryAttempt => ({
    ok: false,
    status: null,
    durationMs: elapsed(),
    responseExcerpt: null,
    error,
    outcome: 'refused',
  });

  const shape = checkUrlShape(request.url);
  if (!shape.ok) return refused(shape.reason);
  const url = shape.url;
  // Sockets skip `lookup` for IP literals, so those are checked here; names are checked by the
  // guarded lookup at connect time.
  const host = hostOf(url);
  if (parseIpAddress(host)) {
    const refusal = refusalFor(host, [host], allowList);
    if (refusal) return refused(refusal);
  }

  const agents = agentsFor(allowList);
  const send = (budgetMs: number) =>
    sendOnce(
      url,
      headers,
      request.body,
      url.protocol === 'https:' ? agents.https : agents.http,
      budgetMs,
      maxResponseBytes,
    );
  let result = await send(timeoutMs);
  // A pooled connection the server closed while it sat idle fails at once with a reset; that says
  // nothing about the subscriber, so try once more (on another connection) within the same budget.
  // Receivers deduplicate by webhook-id, so the rare double POST this can cause is harmless.
  if (result.staleSocket && timeoutMs - elapsed() > 0) result = await send(timeoutMs - elapsed());

  const outcome: AttemptOutcome = result.refused
    ? 'refused'
    : result.status === null
      ? 'retry'
      : outcomeOfStatus(result.status);
  return {
    ok: outcome === 'success',
    status: result.status,
    durationMs: elapsed(),
    // PostgreSQL text cannot hold NUL; a receiver's body may.
    responseExcerpt: result.excerpt?.replaceAll('\u0000', '\uFFFD') ?? null,
    error: result.error,
    outcome,
  };
}

interface SendResult {
  status: number | null;
  excerpt: string | null;
  error: string | null;
  refused: boolean;
  /** The request failed on a reused keep-alive socket before any response: worth one more try. */
  staleSocket: boolean;
}

function sendOnce(
  url: URL,
  headers: http.OutgoingHttpHeaders,
  body: string,
  agent: http.Agent,
  timeoutMs: number,
  maxBytes: number,
): Promise<SendResult> {
  return new Promise((resolve) => {
    let status: number | null = null;
    // The body read so far; null until a response arrives.
    let excerpt: string | null = null;
    let settled = false;
    const finish = (error: string | null, extra: Partial<SendResult> = {}) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ status, excerpt, error, refused: false, staleSocket: false, ...extra });
    };
    const whileReading = (problem: string) =>
      status === null ? problem : `${problem} while reading the response`;

    const transport = url.protocol === 'https:' ? https : http;
    const target = {
      // The name as the save-time check resolved it (no trailing dot, no brackets).
      hostname: hostOf(url),
      port: url.port || undefined,
      path: url.pathname + url.search,
    };
    const req = transport.request({ ...target, method: 'POST', headers, agent }, (res) => {
      status = res.statusCode ?? null;
      excerpt = '';
      const decoder = new StringDecoder('utf8');
      let received = 0;
      const redirect =
        status !== null && status >= 300 && status <= 399 ? redirectNote(status, res.headers.location) : null;
      res.on('data', (chunk: Buffer) => {
        const room = maxBytes - received;
        received += chunk.length;
        if (chunk.length <= room) {
          excerpt += decoder.write(chunk);
          return;
        }
        excerpt += decoder.write(chunk.subarray(0, Math.max(room, 0)));
        // Enough of it: drop the connection rather than drain an unbounded body.
        finish(redirect);
        req.destroy();
      });
      res.on('end', () => finish(redirect));
      res.on('error', (error: NodeJS.ErrnoException) => finish(whileReading(describeError(error, url))));
      res.on('close', () => finish(res.complete ? redirect : whileReading('connection closed')));
    });

    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof AddressRefusedError) return finish(error.message, { refused: true });
      const stale =
        req.reusedSocket && status === null && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
      finish(whileReading(describeError(error, url)), { staleSocket: stale });
    });

    const timer = setTimeout(() => {
      finish(whileReading(`timeout after ${timeoutMs} ms`));
      req.destroy();
    }, timeoutMs);

    req.end(body);
  });
}

function redirectNote(status: number, location: string | undefined): string {
  const target =
    location === undefined
      ? 'elsewhere'
      : `to ${location.length > 200 ? `${location.slice(0, 200)}…` : location}`;
  return `redirect (${status}) ${target} not followed`;
}

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|ERR_OSSL_)/;

/** A short, stable description of a network error for the delivery log. */
function describeError(error: NodeJS.ErrnoException, url: URL): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return error.message === 'socket hang up' ? 'connection closed before a response' : 'connection reset';
    case 'EPIPE':
      return 'connection closed while sending';
    case 'ENOTFOUND':
      return `host ${url.hostname} not found`;
    case 'EAI_AGAIN':
      return `DNS lookup of ${url.hostname} failed temporarily`;
    case 'EHOSTUNREACH':
      return 'host unreachable';
    case 'ENETUNREACH':
      return 'network unreachable';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'EPROTO':
      // OpenSSL's message is a long diagnostic string; its reason part is what a person needs.
      return `TLS error: ${/error:[0-9A-F]+:[^:]*:[^:]*:([^:]+)/.exec(error.message)?.[1] ?? error.message}`;
    default:
      // Node 24 appends advice for its own command line ("; if the root CA is installed locally, try
      // running Node.js with --use-system-ca"), which means nothing to the endpoint's owner.
      if (error.code && TLS_CODE.test(error.code))
        return `TLS error: ${error.message.replace(/; if the root CA is installed locally.*$/s, '')}`;
      return error.message || error.code || 'request failed';
  }
}
