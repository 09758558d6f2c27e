/**
 * Streamed file uploads (`multipart/form-data`): the route's precheck command runs before a byte of
 * the body is read (role, target), the `file` part streams into the blob store's staging area with
 * the size limit enforced as it arrives (413, nothing kept), and the route's command decides on the
 * staged file. No transaction is open while bytes arrive.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { execute, type Command, type CommandDeps } from '../commands/define.ts';
import type { BlobStore, StagedBlob } from '../commands/ports.ts';
import { FileTooLarge, UnsupportedFileType } from '../domain/attachments.ts';
import { ValidationError } from '../domain/errors.ts';
import { MultipartError, boundaryOf, parseMultipart, type MultipartEvent } from './multipart.ts';
import { sendProblem } from './problem.ts';

export interface UploadOptions {
  store: BlobStore;
  /** Largest file accepted, in bytes. */
  maxBytes: number;
}

export interface UploadSpec {
  command: Command;
  /** Runs first, on the path's input only: refuses a bad role or an unknown target before the upload. */
  precheck: Command;
  /** Text fields accepted besides `file`, with their largest size. */
  fields: Record<string, number>;
  /** Path parameter → input field. */
  params: Record<string, string>;
  status: number;
  response?: z.ZodType | undefined;
  present?: ((result: unknown) => unknown) | undefined;
}

/** Multipart framing and form fields around the file. */
const ENVELOPE_ALLOWANCE = 64 * 1024;

type Events = AsyncIterator<MultipartEvent, void, undefined>;

/** The body of the current part, chunk by chunk, until its end. */
async function* partBody(events: Events): AsyncGenerator<Buffer> {
  for (;;) {
    const next = await events.next();
    if (next.done) throw new MultipartError('the body ended inside a part');
    if (next.value.type === 'data') yield next.value.chunk;
    else if (next.value.type === 'end') return;
  }
}

async function partText(events: Events, field: string, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of partBody(events)) {
    bytes += chunk.length;
    if (bytes > max) throw ValidationError.field(field, `is longer than ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads and throws away the rest of a request body (up to `cap` bytes), so the client sees the
 * answer instead of a reset connection. False when it had to stop early.
 */
function drain(req: Request, cap: number): Promise<boolean> {
  if (req.readableEnded) return Promise.resolve(true);
  return new Promise((resolve) => {
    let seen = 0;
    const done = (complete: boolean) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onClose);
      req.off('close', onClose);
      resolve(complete);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > cap) done(false);
    };
    const onEnd = () => done(true);
    const onClose = () => done(false);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onClose);
    req.on('close', onClose);
    req.resume();
  });
}

export function uploadHandler(spec: UploadSpec, deps: CommandDeps, options: UploadOptions): RequestHandler {
  const cap = Math.max(options.maxBytes * 2, 64 * 1024 * 1024);

  /** Answers after the body is drained; a body too large to drain closes the connection. */
  async function refuse(req: Request, res: Response, status: number, detail: string, extra = {}) {
    const drained = await drain(req, cap);
    if (!drained) res.setHeader('Connection', 'close');
    sendProblem(res, status, detail, extra);
    if (!drained) res.on('finish', () => req.destroy());
  }

  return async (req, res) => {
    const input: Record<string, unknown> = {};
    for (const [param, field] of Object.entries(spec.params)) input[field] = req.params[param];
    try {
      await execute(deps, spec.precheck, req.actor!, input);
    } catch (error) {
      await drain(req, cap);
      throw error;
    }
    const boundary = boundaryOf(req.get('content-type'));
    if (!boundary)
      return refuse(req, res, 415, 'send the file as multipart/form-data, in a field named "file"', {
        errors: [{ field: 'file', message: 'is required: send multipart/form-data with a file field' }],
      });
    const tooLarge = () =>
      refuse(
        req,
        res,
        413,
        `the file is larger than the ${options.maxBytes} bytes allowed; nothing was stored`,
        {
          errors: [{ field: 'file', message: `is larger than ${options.maxBytes} bytes` }],
          maxBytes: options.maxBytes,
        },
      );
    const length = Number(req.get('content-length'));
    if (Number.isFinite(length) && length > options.maxBytes + ENVELOPE_ALLOWANCE) return tooLarge();

    const events = parseMultipart(req.iterator({ destroyOnReturn: false }), boundary)[Symbol.asyncIterator]();
    let staged: StagedBlob | undefined;
    let file: { filename: string | undefined; contentType: string | undefined } | undefined;
    try {
      for (let next = await events.next(); !next.done; next = await events.next()) {
        if (next.value.type !== 'part') continue;
        const { name, filename, contentType } = next.value.headers;
        if (name === 'file') {
          if (staged) throw ValidationError.field('file', 'is given twice: send one file per request');
          staged = await options.store.stage(partBody(events), { maxBytes: options.maxBytes });
          file = { filename, contentType };
        } else if (spec.fields[name] !== undefined) {
          input[name] = await partText(events, name, spec.fields[name]);
        } else {
          throw ValidationError.field(name, 'is not a known field');
        }
      }
    } catch (error) {
      if (staged) await options.store.discard(staged);
      await events.return?.().catch(() => undefined);
      if (error instanceof FileTooLarge) return tooLarge();
      if (error instanceof MultipartError)
        return refuse(req, res, 400, `the multipart body is malformed: ${error.message}`, {
          errors: [{ field: '(body)', message: error.message }],
        });
      await drain(req, cap);
      throw error;
    }
    if (!staged || !file)
      throw ValidationError.field('file', 'is required: a multipart field named "file" holding the file');

    try {
      const result = await execute(deps, spec.command, req.actor!, {
        ...input,
        file: staged,
        filename: file.filename ?? null,
        declaredType: file.contentType ?? null,
      });
      const presented = spec.present ? spec.present(result) : result;
      const body = spec.response ? spec.response.parse(JSON.parse(JSON.stringify(presented))) : presented;
      res.status(spec.status).json(body);
    } catch (error) {
      // Committed blobs stay (another attachment may share them); a staged one is simply dropped.
      await options.store.discard(staged).catch(() => undefined);
      if (error instanceof UnsupportedFileType)
        return sendProblem(res, 415, `file: ${error.problems[0]!.message}`, { errors: error.problems });
      throw error;
    }
  };
}
