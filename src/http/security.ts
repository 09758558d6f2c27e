/**
 * HTTP hardening: security headers (helmet) with a strict Content-Security-Policy — relaxed only for
 * the two third-party UIs (the API reference and the queue dashboard) — rate limits answered as
 * problem+json (the API's per token, or per address without a valid token) and counted in a store
 * every web process shares (see rate-limit-stores.ts), and per-route latency metrics.
 */
import { createHash } from 'node:crypto';
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import helmet from 'helmet';
import { UnauthenticatedError } from '../domain/errors.ts';
import type { Metrics } from '../metrics.ts';
import { BEARER_HEADER } from './auth.ts';
import { sendProblem } from './problem.ts';

const STRICT = helmet({
  contentSecurityPolicy: {
    useDefaults: true,
    directives: {
      'default-src': ["'self'"],
      'script-src': ["'self'"],
      'style-src': ["'self'"],
      'img-src': ["'self'", 'data:'],
    },
  },
});

// Swagger UI and bull-board style elements inline (and bull-board writes its settings in an inline script).
const THIRD_PARTY_UI = helmet({
  contentSecurityPolicy: {
    useDefaults: true,
    directives: {
      'script-src': ["'self'", "'unsafe-inline'"],
      'style-src': ["'self'", "'unsafe-inline'", 'https:'],
      'img-src': ["'self'", 'data:'],
    },
  },
});

export const securityHeaders: RequestHandler = (req, res, next) =>
  (req.path.startsWith('/api/v1/docs') || req.path.startsWith('/admin/queues') ? THIRD_PARTY_UI : STRICT)(
    req,
    res,
    next,
  );

/** A limiter's store, made when the limiter is (a limit of 0 makes none): one per limiter. */
export type LimiterStore = () => Store;

/**
 * At most `perMinute` requests a minute per `key` (e.g. per sending address), the rest answered
 * 429 as a problem ("too many `what`"), counted in `store`; 0: no limit.
 */
export function rateLimitPerMinute(
  perMinute: number,
  what: string,
  key: (req: Request) => string,
  store: LimiterStore,
): RequestHandler {
  if (perMinute <= 0) return (_req, _res, next) => next();
  return limiter(perMinute, what, key, store());
}

function limiter(perMinute: number, what: string, key: (req: Request) => string, store: Store) {
  return rateLimit({
    store,
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: key,
    handler: (_req, res) =>
      sendProblem(
        res,
        429,
        `too many ${what}: at most ${perMinute} a minute; retry after the Retry-After header's seconds`,
      ),
  });
}

export const addressKey = (req: Request) => `ip:${ipKeyGenerator(req.ip ?? '')}`;

/**
 * Requests a minute an address may make without a valid API token: a 20th of the per-token limit,
 * at least 10 (a person mistyping a token a few times), never more than the per-token limit.
 */
export const unauthenticatedPerMinute = (perMinute: number) =>
  Math.min(perMinute, Math.max(10, Math.ceil(perMinute / 20)));

/**
 * Refused credentials remembered, and for how long: a repeated bad token skips the lookup. Kept in
 * each process (a bad token is looked up at most once a minute per process); what is answered does
 * not depend on it, only how much a refusal costs.
 */
const REFUSED_TOKENS = 10_000;
const REFUSED_MS = 60_000;

/**
 * The API's rate limits, in two budgets counted apart. A request with a valid API token counts
 * against that token (`perMinute` each: per token, not per office NAT). A request refused for its
 * token — none, a malformed one, an unknown or revoked one — counts against its address, with the
 * stricter {@link unauthenticatedPerMinute}: made-up tokens cannot each buy a budget of their own.
 * Refused requests never spend a valid token's budget, and valid ones never spend the address's:
 * once an address has spent its budget, its requests without a well-formed token (and tokens it
 * was refused for in the last minute) are answered 429 before any lookup, but a token of the right
 * shape is still looked up — so a flood of made-up tokens behind a shared proxy does not lock out a
 * valid token, even one never used before (a new station). Mount `beforeAuth`, the authentication,
 * then `onAuthFailure` (an error handler) and `afterAuth`. The two budgets are counted in the stores
 * `stores` makes, by name (`api-address`, `api-token`).
 */
export function apiRateLimits(
  perMinute: number,
  stores: (name: string) => LimiterStore,
): {
  beforeAuth: RequestHandler;
  onAuthFailure: ErrorRequestHandler;
  afterAuth: RequestHandler;
} {
  if (perMinute <= 0) {
    return {
      beforeAuth: (_req, _res, next) => next(),
      onAuthFailure: (error, _req, _res, next) => next(error),
      afterAuth: (_req, _res, next) => next(),
    };
  }
  const budget = unauthenticatedPerMinute(perMinute);
  const failures = limiter(
    budget,
    'API requests without a valid API token from this address',
    addressKey,
    stores('api-address')(),
  );
  const perToken = limiter(
    perMinute,
    'API requests',
    (req) => `token:${req.tokenId ?? ''}`,
    stores('api-token')(),
  );
  const refused = new Map<string, number>();
  const credential = (req: Request) => {
    const header = req.get('authorization');
    return header ? createHash('sha256').update(header).digest('hex') : undefined;
  };

  return {
    beforeAuth: async (req, res, next) => {
      try {
        const spent = ((await failures.getKey(addressKey(req)))?.totalHits ?? 0) >= budget;
        if (!spent) return next();
        const header = req.get('authorization');
        const known = credential(req);
        const refusedBefore = known !== undefined && (refused.get(known) ?? 0) > Date.now();
        if (header && BEARER_HEADER.test(header) && !refusedBefore) return next();
        // Counted like any further failure, so Retry-After and the RateLimit headers are right.
        await failures(req, res, () => next());
      } catch (error) {
        next(error);
      }
    },
    onAuthFailure: (error, req, res, next) => {
      if (!(error instanceof UnauthenticatedError)) return next(error);
      const known = credential(req);
      if (known) {
        refused.delete(known);
        refused.set(known, Date.now() + REFUSED_MS);
        if (refused.size > REFUSED_TOKENS) refused.delete(refused.keys().next().value!);
      }
      void failures(req, res, () => next(error));
    },
    afterAuth: (req, res, next) => {
      void perToken(req, res, next);
    },
  };
}

/** Observes every response's duration under its route pattern (e.g. /api/v1/lots/:code). */
export function requestMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const stop = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : req.baseUrl || 'unmatched';
      stop({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
