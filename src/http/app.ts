/**
 * The Express app factory (no listen): REST API under /api/v1, its OpenAPI document and reference,
 * health endpoints. Routers that need raw bodies (Slack) are mounted before the body parsers.
 */
import { isUtf8 } from 'node:buffer';
import express, { Router, type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { AppContext } from '../context.ts';
import { idempotencyStore } from '../db/repositories/idempotency.ts';
import { layout } from '../pages/layout.ts';
import { withTimeout } from '../timeout.ts';
import { badLinkPage } from '../pages/not-found.ts';
import { pagesRouter } from '../pages/router.ts';
import { METRICS_CHALLENGE, metricsScrapeAllowed } from '../metrics.ts';
import { withReplicaReads, withRequestId } from '../request-context.ts';
import { queueDashboard } from './dashboard.ts';
import { requestLogging } from './request-log.ts';
import {
  addressKey,
  apiRateLimits,
  rateLimitPerMinute,
  requestMetrics,
  securityHeaders,
} from './security.ts';
import { bearerAuth } from './auth.ts';
import { sharedOrLocal } from './rate-limit-stores.ts';
import { docsRouter } from './docs.ts';
import { idempotency } from './idempotency.ts';
import { openApiDocument } from './openapi.ts';
import { errorHandler, sendProblem } from './problem.ts';
import { DEFAULT_BODY_BYTES, mountRoutes, type RouteDef } from './route.ts';
import { apiRoutes } from './routes/index.ts';

/**
 * Refuses a body declared (or defaulted) as UTF-8 whose bytes are not: the parser would otherwise
 * put U+FFFD in their place and the request would store it without a word.
 */
function utf8Only(_req: unknown, _res: unknown, body: Buffer, encoding: string): void {
  if (/^utf-?8$/i.test(encoding || 'utf-8') && !isUtf8(body)) {
    throw Object.assign(new Error('the body is not valid UTF-8'), { status: 400, type: 'encoding.invalid' });
  }
}

export interface AppOptions {
  /** Mounted before any body parser, e.g. Slack's receiver at /slack. */
  rawRouters?: { path: string; router: Router }[];
  /** Extra API routes contributed by later capabilities. */
  routes?: RouteDef[];
  /** Largest JSON or text body accepted by routes that do not set their own `bodyBytes`. */
  jsonLimit?: number;
}

const READY_TIMEOUT_MS = 2_000;

export function createApp(ctx: AppContext, options: AppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.set('query parser', 'simple');

  app.use(requestLogging(app, ctx.log));

  // Each request's reads that may lag may use the read replica, until the request writes.
  app.use((req, _res, next) => withRequestId(String(req.id), () => withReplicaReads(next)));
  app.use(requestMetrics(ctx.metrics));
  app.use(securityHeaders);
  // Every limit counts in the store the web processes share; while it is unreachable, in this one.
  const outage = {
    log: ctx.log,
    failed: (limiter: string) => ctx.metrics.rateLimitStoreErrors.inc({ limiter }),
  };
  const store = (name: string) => () => sharedOrLocal(ctx.rateLimits.store(name), name, outage);
  app.use(
    '/slack',
    // Per workspace would need the body, which Bolt must read itself: per sending address.
    rateLimitPerMinute(ctx.config.slackRateLimitPerMinute, 'Slack requests', addressKey, store('slack')),
  );

  for (const { path, router } of options.rawRouters ?? []) app.use(path, router);

  app.get('/metrics', async (req, res) => {
    if (!metricsScrapeAllowed(req.headers.authorization, ctx.config.metricsToken)) {
      res.setHeader('WWW-Authenticate', METRICS_CHALLENGE);
      return sendProblem(res, 401, 'metrics need Authorization: Bearer <METRICS_TOKEN>');
    }
    res.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
  app.use('/admin/queues', queueDashboard(ctx.queues, ctx.uow));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks: Record<string, string> = {};
    // A server that accepts connections but never answers must not hang the probe.
    const within = (work: Promise<unknown>) => withTimeout(work, READY_TIMEOUT_MS, 'no answer within 2 s');
    await Promise.all([
      within(ctx.db.raw('select 1')).then(
        () => (checks.database = 'ok'),
        (e: unknown) => (checks.database = (e instanceof Error && e.message) || 'unreachable'),
      ),
      within(ctx.queues.backend.ping()).then(
        () => (checks.queue = 'ok'),
        (e: unknown) => (checks.queue = (e instanceof Error && e.message) || 'unreachable'),
      ),
    ]);
    const ready = Object.values(checks).every((v) => v === 'ok');
    // The replica is reported, not required: without it, its reads go to the primary.
    if (ctx.replica) await within(ctx.replica.check()).catch(() => undefined);
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not ready',
      checks,
      ...(ctx.replica ? { replica: ctx.replica.state() } : {}),
    });
  });

  const routes = [...apiRoutes, ...(options.routes ?? [])];
  const document = openApiDocument(routes, { bodyBytes: options.jsonLimit });
  const api = Router();
  // The reference is public: limited per address, with the API's budget.
  const reference = rateLimitPerMinute(
    ctx.config.rateLimitPerMinute,
    'API requests',
    addressKey,
    store('api-reference'),
  );
  api.get('/openapi.json', reference, (_req, res) => {
    res.json(document);
  });
  api.use('/docs', reference, docsRouter());
  // Who is asking is settled before a body is read: a caller without a valid token costs no parsing.
  const limits = apiRateLimits(ctx.config.rateLimitPerMinute, store);
  api.use(limits.beforeAuth, bearerAuth(ctx.uow), limits.onAuthFailure, limits.afterAuth);
  // Each route reads its body with its own limit (a BOM's is larger), then Idempotency-Keys apply.
  const replays = idempotency(idempotencyStore(ctx.db));
  const before = (def: RouteDef): RequestHandler[] => {
    if (def.upload) return [replays];
    const limit = def.bodyBytes ?? options.jsonLimit ?? DEFAULT_BODY_BYTES;
    return [
      express.json({ limit, strict: false, verify: utf8Only }),
      express.text({ type: ['text/csv', 'text/plain'], limit, verify: utf8Only }),
      replays,
    ];
  };
  mountRoutes(
    api,
    routes,
    { uow: ctx.uow, services: ctx.services },
    { upload: { store: ctx.blobs, maxBytes: ctx.config.attachments.maxBytes }, before },
  );
  api.use((req, res) => sendProblem(res, 404, `no API endpoint ${req.method} ${req.originalUrl}`));
  app.use('/api/v1', api);

  // Scan pages (/id/<code>) and their stylesheet (/assets/pages.css); see docs/pages.md.
  app.use(
    pagesRouter(
      { uow: ctx.uow, services: ctx.services },
      {
        public: ctx.config.pages.public,
        publicLinks: ctx.config.pages.publicLinks,
        publicUrl: ctx.config.publicUrl,
        uploads: { store: ctx.blobs, maxBytes: ctx.config.attachments.maxBytes },
        replicaMaxLagMs: ctx.replica ? ctx.config.readReplica?.maxLagMs : undefined,
      },
    ),
  );
  // A scan page's path Express cannot decode (broken percent-encoding) fails before the pages'
  // handlers run: its reader, a person with a phone, still gets a page rather than problem+json.
  app.use('/id', ((error, req, res, next) => {
    if (res.headersSent || (error as { status?: unknown }).status !== 400) return next(error);
    req.log?.info({ err: error }, 'scan page path not decodable');
    res
      .status(400)
      .type('html')
      .send(layout(badLinkPage('This link is not a valid address.').page));
  }) satisfies ErrorRequestHandler);

  app.use((req, res) => sendProblem(res, 404, `nothing at ${req.method} ${req.originalUrl}`));
  app.use(errorHandler);
  return app;
}
