/**
 * HTTP hardening: security headers (helmet) with a strict Content-Security-Policy — relaxed only for
 * the two third-party UIs (the API reference and the queue dashboard) — rate limits answered as
 * problem+json, and per-route latency metrics.
 */
import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import type { Metrics } from '../metrics.ts';
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

/**
 * At most `perMinute` requests per minute per caller — the API token when there is one (hashed; the
 * limit counts per token, not per office NAT), else the address. 0 turns the limit off.
 */
export function rateLimitPerMinute(
  perMinute: number,
  what: string,
  key?: (req: Parameters<RequestHandler>[0]) => string | undefined,
): RequestHandler {
  if (perMinute <= 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => {
      const custom = key?.(req);
      if (custom) return custom;
      const auth = req.get('authorization');
      return auth
        ? `token:${createHash('sha256').update(auth).digest('hex').slice(0, 32)}`
        : `ip:${ipKeyGenerator(req.ip ?? '')}`;
    },
    handler: (_req, res) =>
      sendProblem(
        res,
        429,
        `too many ${what} requests: at most ${perMinute} a minute; retry after the Retry-After header's seconds`,
      ),
  });
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
