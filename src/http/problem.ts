/**
 * Errors as RFC 9457 `application/problem+json`: a DomainError becomes the matching 4xx with the
 * fields named; anything unexpected is a 500 with the request id (and the details in the log only).
 */
import type { ErrorRequestHandler, Response } from 'express';
import { StoredFileDamaged } from '../domain/attachments.ts';
import { DatabaseUnavailable, isConnectionLost } from '../db/errors.ts';
import { DomainError, ValidationError, type FieldProblem } from '../domain/errors.ts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldProblem[];
  requestId?: string;
  [extension: string]: unknown;
}

export const DOMAIN_ERROR_STATUS: Record<DomainError['kind'], number> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rule: 422,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function sendProblem(
  res: Response,
  status: number,
  detail: string,
  extra: Partial<Problem> = {},
): void {
  const problem: Problem = {
    type: `https://buildtrace.dev/problems/${status}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    instance: res.req.originalUrl,
    requestId: String(res.req.id ?? ''),
    ...extra,
  };
  if (status === 401 && !res.getHeader('WWW-Authenticate'))
    res.setHeader('WWW-Authenticate', 'Bearer realm="buildtrace"');
  res.status(status).type('application/problem+json').send(JSON.stringify(problem));
}

export function problemFromDomainError(error: DomainError): { status: number; extra: Partial<Problem> } {
  const status = DOMAIN_ERROR_STATUS[error.kind];
  const extra: Partial<Problem> = {
    type: `https://buildtrace.dev/problems/${error.kind.replace('_', '-')}`,
    ...error.details,
  };
  if (error instanceof ValidationError) extra.errors = error.problems;
  else if ('field' in error && typeof error.field === 'string')
    extra.errors = [{ field: error.field, message: error.message }];
  return { status, extra };
}

/**
 * An `If-Match` that names none of the resource's current entity tags: it changed since the client
 * read it (or it does not exist), and nothing was done. Answered 412 with the current ETag.
 */
export class PreconditionFailed extends Error {
  constructor(
    /** The resource's current ETag; null when it does not exist. */
    readonly current: string | null,
    readonly resource: string,
  ) {
    super(
      current
        ? `If-Match names none of the current entity tags: ${resource} changed since it was read (its ETag is now ${current}); nothing was changed. GET it again, reapply the change and send it with If-Match: ${current}`
        : `If-Match names an entity tag but ${resource} does not exist; nothing was changed`,
    );
  }
}

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

/** How a response stream fails when the client hangs up before it is complete. */
const CLIENT_GONE = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ECONNRESET', 'EPIPE', 'ECONNABORTED']);

export const errorHandler: ErrorRequestHandler = (error: unknown, req, res, _next) => {
  if (res.headersSent) {
    // Too late for a problem document: the response is cut short. (Not handed on to Express, whose
    // default handler prints the raw stack to stderr.) A client that hangs up mid-download is
    // routine, not a fault of ours.
    if (CLIENT_GONE.has(String((error as { code?: unknown }).code)))
      req.log?.debug({ err: error }, 'the client closed the connection before the response was complete');
    else req.log?.error({ err: error }, 'failed after the response began; connection closed');
    res.destroy();
    return;
  }
  if (error instanceof DomainError) {
    const { status, extra } = problemFromDomainError(error);
    return sendProblem(res, status, error.message, extra);
  }
  if (error instanceof PreconditionFailed) {
    if (error.current) res.setHeader('ETag', error.current);
    return sendProblem(res, 412, error.message, {
      type: 'https://buildtrace.dev/problems/precondition-failed',
      ...(error.current ? { etag: error.current } : {}),
    });
  }
  if (error instanceof DatabaseUnavailable || isConnectionLost(error)) {
    // Not the caller's fault and not a bug: the database is restarting or unreachable.
    req.log?.warn({ err: error }, 'database unavailable');
    res.setHeader('Retry-After', '2');
    return sendProblem(
      res,
      503,
      error instanceof DatabaseUnavailable && error.outcomeUnknown
        ? `${error.message}; send the request again with the same Idempotency-Key to be sure it counts once`
        : 'the database is unreachable for the moment; try again shortly',
    );
  }
  if (error instanceof StoredFileDamaged) {
    // Our fault, not the caller's: say so plainly, never serve the bytes, and tell the operators.
    req.log?.error({ err: error, sha256: error.sha256 }, 'stored attachment failed its integrity check');
    return sendProblem(
      res,
      500,
      `the stored file failed its integrity check (${error.message}) and is not served; restore it from a backup or upload it again`,
      { type: 'https://buildtrace.dev/problems/stored-file-damaged', sha256: error.sha256 },
    );
  }
  const parserError = error as BodyParserError;
  switch (parserError.type) {
    case 'entity.parse.failed':
      return sendProblem(res, 400, 'the body is not valid JSON', {
        errors: [{ field: '(body)', message: 'is not valid JSON' }],
      });
    case 'entity.too.large':
      return sendProblem(res, 413, `the body is larger than the ${parserError.limit ?? ''} bytes allowed`, {
        errors: [{ field: '(body)', message: 'is too large' }],
      });
    case 'encoding.invalid':
      return sendProblem(res, 400, 'the body is not valid UTF-8', {
        errors: [{ field: '(body)', message: 'is not valid UTF-8' }],
      });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return sendProblem(res, 415, 'the body uses an unsupported encoding or charset');
    case 'request.aborted':
      return sendProblem(res, 400, 'the request was aborted');
    default:
      break;
  }
  if (typeof parserError.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
    return sendProblem(res, parserError.status, (error as Error).message || 'bad request');
  }
  req.log?.error({ err: error }, 'unhandled error');
  return sendProblem(res, 500, 'something went wrong on our side; the request id helps us find it');
};
