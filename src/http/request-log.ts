/**
 * Each request's id and log lines: an `X-Request-Id` (the client's, when it is a sane token, else a
 * new UUID), `req.log` for the handlers' lines (they carry `req`), and one line when the response is
 * done — `req`, `res`, `responseTime` (and `err`) — at `error` for a 5xx or a failure, `info` for a
 * 4xx, `debug` otherwise; health probes are not logged. The lines have pino-http's shape.
 *
 * Written here rather than taken from pino-http, which makes a child logger for every request and
 * serializes the request into it (headers, redaction) before anything is logged: at 500 requests/s
 * that was a tenth of the web process's allocation, most of it kept past a young-generation
 * collection, and every full collection it fed stalled lookups for ~100 ms. Here the child logger
 * is made when a handler first logs, and the completion line only when its level is enabled.
 */
import { randomUUID } from 'node:crypto';
import type { Express, RequestHandler } from 'express';
import { pino } from 'pino';
import type { Logger } from '../logger.ts';

declare module 'http' {
  interface IncomingMessage {
    /** The request's id (its `X-Request-Id`). */
    id: string;
    /** A logger whose lines carry this request (`req`), made on first use. */
    log: Logger;
  }
}

const REQUEST_ID = /^[\w.-]{1,100}$/;
const QUIET = new Set(['/healthz', '/readyz']);
const LOGGER = Symbol('request logger');

type Level = 'error' | 'info' | 'debug';

/** Installs request ids and request logging on `app` (before any other middleware). */
export function requestLogging(app: Express, log: Logger): RequestHandler {
  const base = log.child(
    {},
    {
      serializers: {
        req: pino.stdSerializers.req,
        res: pino.stdSerializers.res,
        err: pino.stdSerializers.err,
      },
    },
  );
  // On the app's request prototype: no property is defined per request, and no logger is made for
  // a request that logs nothing.
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: Record<symbol, Logger | undefined> & { id: string }) {
      return (this[LOGGER] ??= base.child({ req: this }));
    },
    set(this: Record<symbol, Logger | undefined>, value: Logger) {
      this[LOGGER] = value;
    },
  });

  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    req.id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', req.id);
    if (QUIET.has(req.url)) return next();
    const started = Date.now();
    const done = () => {
      res.removeListener('finish', done);
      res.removeListener('close', done);
      const failed = res.statusCode >= 500;
      const level: Level = failed ? 'error' : res.statusCode >= 400 ? 'info' : 'debug';
      if (!base.isLevelEnabled(level)) return;
      const line = { res, responseTime: Date.now() - started };
      if (failed) {
        const err = new Error(`failed with status code ${res.statusCode}`);
        req.log.error({ ...line, err }, 'request errored');
      } else req.log[level](line, 'request completed');
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  };
}
