/**
 * `Idempotency-Key` on POST: the first successful (2xx) response for a key is stored and replayed
 * to the same caller for the same request; the same key with a different request is refused. Failed
 * requests leave no trace, so they can simply be sent again.
 */
import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { IdempotencyStore } from '../db/repositories/idempotency.ts';
import { sendProblem } from './problem.ts';

export function idempotency(store: IdempotencyStore): RequestHandler {
  return async (req, res, next) => {
    const key = req.get('idempotency-key');
    if (req.method !== 'POST' || key === undefined) return next();
    if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
      return sendProblem(res, 400, 'Idempotency-Key must be 1 to 255 visible ASCII characters', {
        errors: [{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }],
      });
    }
    const scope = req.actor?.name ?? 'anonymous';
    const hash = createHash('sha256')
      .update(
        `${req.method} ${req.originalUrl}\n${typeof req.body === 'string' ? req.body : JSON.stringify(req.body ?? null)}`,
      )
      .digest('hex');
    try {
      const claim = await store.claim(scope, key, hash);
      if (claim.state === 'mismatch') {
        return sendProblem(res, 422, 'this Idempotency-Key was used for a different request', {
          errors: [{ field: 'Idempotency-Key', message: 'was used for a different request' }],
        });
      }
      if (claim.state === 'in_progress') {
        return sendProblem(
          res,
          409,
          'a request with this Idempotency-Key is still being processed; retry shortly',
        );
      }
      if (claim.state === 'replay') {
        res.setHeader('Idempotent-Replayed', 'true');
        if (claim.statusCode === 204) return res.status(204).end();
        return res.status(claim.statusCode).json(claim.body);
      }
      const send = res.json.bind(res);
      let stored = false;
      res.json = (body: unknown) => {
        stored = true;
        const done =
          res.statusCode >= 200 && res.statusCode < 300
            ? store.complete(claim.id, res.statusCode, body)
            : store.release(claim.id);
        done.then(
          () => send(body),
          (error: unknown) => next(error),
        );
        return res;
      };
      res.on('finish', () => {
        if (!stored)
          void (
            res.statusCode >= 200 && res.statusCode < 300
              ? store.complete(claim.id, res.statusCode, null)
              : store.release(claim.id)
          ).catch(() => undefined);
      });
      next();
    } catch (error) {
      next(error);
    }
  };
}
