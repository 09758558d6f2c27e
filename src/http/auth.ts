/** Bearer API tokens → the request's actor (token name and role). */
import type { RequestHandler } from 'express';
import { hashToken } from '../commands/tokens.ts';
import type { UnitOfWork } from '../commands/ports.ts';
import type { Actor } from '../domain/roles.ts';
import { UnauthenticatedError } from '../domain/errors.ts';

declare module 'express-serve-static-core' {
  interface Request {
    actor?: Actor;
    /** The API token's id, used to scope Idempotency-Keys. */
    tokenId?: number;
  }
}

/** An Authorization header of the shape a token is looked up for: `Bearer <10 to 200 visible characters>`. */
export const BEARER_HEADER = /^Bearer\s+(\S{10,200})\s*$/i;

export function bearerAuth(uow: UnitOfWork): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    const match = header ? BEARER_HEADER.exec(header) : null;
    if (!match) {
      return next(
        new UnauthenticatedError(
          header
            ? 'the Authorization header must be "Bearer <token>"'
            : 'an API token is required: send "Authorization: Bearer <token>"',
        ),
      );
    }
    try {
      const token = await uow.read((repos) => repos.tokens.findActiveByHash(hashToken(match[1]!)));
      if (!token) return next(new UnauthenticatedError('the API token is unknown or revoked'));
      req.actor = { name: `token:${token.name}`, role: token.role };
      req.tokenId = token.id;
      next();
    } catch (error) {
      next(error);
    }
  };
}
