/**
 * Streamed file uploads (`multipart/form-data`, parsed by busboy): the route's precheck command runs
 * before a byte of the body is read (role, target), the `file` part streams into the blob store's
 * staging area with the size limit enforced as it arrives (413, nothing kept), and the route's
 * command decides on the staged file. No transaction is open while bytes arrive.
 */
import { finished } from 'node:stream';
import busboy from 'busboy';
import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { execute, type Command, type CommandDeps } from '../commands/define.ts';
import type { BlobStore, StagedBlob } from '../commands/ports.ts';
import { FileTooLarge, UnsupportedFileType } from '../domain/attachments.ts';
import { ValidationError } from '../domain/errors.ts';
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
  /** Refuses query parameters the route does not take (it takes none), before the upload. */
  checkQuery?: (req: Request) => void;
}

/** Multipart framing and form fields around the file. */
const ENVELOPE_ALLOWANCE = 64 * 1024;

/** The body is not well-formed multipart (answered 400). */
class MultipartError extends Error {}

/** busboy's words for a body that stops before its closing boundary, in ours. */
function malformed(error: unknown): MultipartError {
  const message = error instanceof Error ? error.message : String(error);
  return new MultipartError(
    /^Unexpected end of (form|file)$/.test(message) ? 'the body ended before the closing boundary' : message,
  );
}

interface Received {
  fields: Record<string, string>;
  staged: StagedBlob;
  file: { filename: string | undefined; contentType: string | undefined };
}

/**
 * Reads the form with busboy: text fields into `fields`, the `file` part streamed into the store's
 * staging area. The first problem wins (an unknown field, a second file, a file over the limit, a
 * malformed or cut-off body): reading stops there and what was staged is dropped. Settles only once
 * busboy is done and the staging has settled, so a refusal never leaves a staged file behind.
 */
function receive(
  req: Request,
  parser: busboy.Busboy,
  spec: Pick<UploadSpec, 'fields'> & { fileOptional?: boolean },
  options: UploadOptions,
) {
  return new Promise<Received | Pick<Received, 'fields'>>((resolve, reject) => {
    const fields: Record<string, string> = {};
    let file: Received['file'] | undefined;
    let staging: Promise<StagedBlob | undefined> = Promise.resolve(undefined);
    let failure: unknown;
    const fail = (error: unknown) => {
      if (failure !== undefined) return;
      failure = error;
      // The rest of the body is left to the caller (drained, or the connection closed).
      req.unpipe(parser);
      // Not from inside busboy's own callback ('limit' is emitted mid-write): on the next tick.
      process.nextTick(() => parser.destroy());
    };

    parser.on('field', (name, value, info) => {
      if (failure !== undefined) return;
      if (name === 'file')
        return fail(ValidationError.field('file', 'must be a file part (with a filename)'));
      const max = Object.hasOwn(spec.fields, name) ? spec.fields[name]! : undefined;
      if (max === undefined) return fail(ValidationError.field(name, 'is not a known field'));
      if (info.valueTruncated || Buffer.byteLength(value) > max)
        return fail(ValidationError.field(name, `is longer than ${max} bytes`));
      fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      // A cut-off body errors the parser too (reported below); the staging sees its stream fail.
      stream.on('error', () => undefined);
      if (failure !== undefined || name !== 'file') {
        stream.resume();
        const message = Object.hasOwn(spec.fields, name)
          ? 'must be text, not a file'
          : 'is not a known field';
        return fail(ValidationError.field(name, message));
      }
      file = { filename: info.filename, contentType: info.mimeType };
      // busboy stops at limits.fileSize (one byte over the limit) and says so.
      stream.on('limit', () => fail(new FileTooLarge(options.maxBytes)));
      staging = options.store.stage(stream, { maxBytes: options.maxBytes }).catch((error: unknown) => {
        // A stream cut by a malformed body fails the staging too: report the body, not the stream.
        fail(parser.errored && !(error instanceof FileTooLarge) ? malformed(parser.errored) : error);
        return undefined;
      });
    });
    parser.on('filesLimit', () =>
      fail(ValidationError.field('file', 'is given twice: send one file per request')),
    );
    parser.on('fieldsLimit', () => {
      const others = Object.keys(spec.fields).map((f) => `"${f}"`);
      const takes = others.length ? `"file" and ${others.join(', ')}` : 'only "file"';
      fail(ValidationError.field('(body)', `has too many fields: this upload takes ${takes}`));
    });
    parser.on('error', (error) => fail(malformed(error)));
    parser.on('close', () => {
      staging
        .then(async (staged) => {
          if (failure !== undefined) {
            if (staged) await options.store.discard(staged);
            return reject(failure);
          }
          // A form's empty file input arrives as a part with no name and no bytes: no file.
          const empty = staged !== undefined && !file?.filename && staged.bytes === 0;
          if (empty) await options.store.discard(staged);
          if (spec.fileOptional && (!staged || !file || empty)) return resolve({ fields });
          if (!staged || !file || empty)
            return reject(
              ValidationError.field('file', 'is required: a multipart field named "file" holding the file'),
            );
          resolve({ fields, staged, file });
        })
        .catch(reject);
    });

    // A client that goes away mid-body: busboy would wait for the rest forever.
    const stopWatching = finished(req, { writable: false }, (error) => {
      stopWatching();
      if (error) fail(new MultipartError('the connection closed before the body ended'));
    });
    req.pipe(parser);
  });
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

/** A busboy parser for this request, or null when the body is not multipart/form-data with a boundary. */
function multipartParser(req: Request, options: UploadOptions, knownFields: number[]): busboy.Busboy | null {
  if (!req.is('multipart/form-data')) return null;
  try {
    return busboy({
      headers: req.headers,
      // Names reach sanitizeFilename as sent (it takes the last path segment); browsers send UTF-8.
      preservePath: true,
      defParamCharset: 'utf8',
      limits: {
        // One byte over the limit: busboy's truncation then means "larger than allowed".
        fileSize: options.maxBytes + 1,
        files: 1,
        // Room for one field we do not know, so the refusal can name it.
        fields: knownFields.length + 1,
        fieldSize: Math.max(0, ...knownFields) + 1,
      },
    });
  } catch {
    return null; // no boundary
  }
}

/**
 * A page's form posted as multipart/form-data (a note and its photo): its text fields (each up to
 * its size) and the `file` part staged when one was chosen. Refusals are ValidationErrors naming the
 * field (`file` too large, a field it does not take, a body cut short); the rest of the body is read
 * and dropped first, so the browser sees the answer.
 */
export async function readPageForm(
  req: Request,
  fields: Record<string, number>,
  options: UploadOptions,
): Promise<{ fields: Record<string, string>; upload: Omit<Received, 'fields'> | null }> {
  const parser = multipartParser(req, options, Object.values(fields));
  if (!parser) {
    await drain(req, 1024 * 1024);
    throw ValidationError.field('(form)', 'this form is sent as multipart/form-data');
  }
  try {
    const received = await receive(req, parser, { fields, fileOptional: true }, options);
    return 'staged' in received
      ? { fields: received.fields, upload: { staged: received.staged, file: received.file } }
      : { fields: received.fields, upload: null };
  } catch (error) {
    await drain(req, Math.max(options.maxBytes * 2, 64 * 1024 * 1024));
    if (error instanceof FileTooLarge)
      throw ValidationError.field('file', `is larger than ${Math.floor(options.maxBytes / 1024 / 1024)} MB`);
    if (error instanceof MultipartError)
      throw ValidationError.field('(form)', `the form did not arrive whole: ${error.message}`);
    throw error;
  }
}

export function uploadHandler(spec: UploadSpec, deps: CommandDeps, options: UploadOptions): RequestHandler {
  const cap = Math.max(options.maxBytes * 2, 64 * 1024 * 1024);
  const knownFields = Object.values(spec.fields);

  /** Answers after the body is drained; a body too large to drain closes the connection. */
  async function refuse(req: Request, res: Response, status: number, detail: string, extra = {}) {
    const drained = await drain(req, cap);
    if (!drained) res.setHeader('Connection', 'close');
    sendProblem(res, status, detail, extra);
    if (!drained) res.on('finish', () => req.destroy());
  }

  const parserFor = (req: Request) => multipartParser(req, options, knownFields);

  return async (req, res) => {
    const input: Record<string, unknown> = {};
    for (const [param, field] of Object.entries(spec.params)) input[field] = req.params[param];
    try {
      spec.checkQuery?.(req);
      await execute(deps, spec.precheck, req.actor!, input);
    } catch (error) {
      await drain(req, cap);
      throw error;
    }
    const parser = parserFor(req);
    if (!parser)
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

    let received: Received;
    try {
      received = (await receive(req, parser, spec, options)) as Received;
    } catch (error) {
      if (error instanceof FileTooLarge) return tooLarge();
      if (error instanceof MultipartError)
        return refuse(req, res, 400, `the multipart body is malformed: ${error.message}`, {
          errors: [{ field: '(body)', message: error.message }],
        });
      await drain(req, cap);
      throw error;
    }
    const { staged, file } = received;

    try {
      const result = await execute(deps, spec.command, req.actor!, {
        ...input,
        ...received.fields,
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
