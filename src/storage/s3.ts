/**
 * Blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, s3rver …), signed with SigV4 and sent
 * over node's own HTTP client. Uploads are staged on local disk first (for the SHA-256 and the size
 * limit), then PUT under `<prefix>sha256/ab/<sha256>` with the SHA-256 as the signed payload hash, so
 * the server itself refuses a body that arrived damaged (one object per SHA-256, however often sent).
 * Reads are spooled to local disk and checked before a byte is served.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from '../commands/ports.ts';
import { StoredFileDamaged } from '../domain/attachments.ts';
import { checkStaged, hashFile, stageToDisk, verifying } from './blobs.ts';
import { EMPTY_SHA256, signV4, uriEncode } from './s3-sign.ts';

export interface S3Options {
  /** e.g. `http://127.0.0.1:9000`; AWS: `https://s3.<region>.amazonaws.com`. */
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Key prefix inside the bucket, e.g. `buildtrace/`. */
  prefix: string;
  /** `https://host/bucket/key` (MinIO, most self-hosted stores) rather than `https://bucket.host/key`. */
  forcePathStyle: boolean;
  /** Local folder for staging uploads and spooling reads. */
  stagingDir: string;
}

export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function readBody(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

/** A minimal S3 client: the four calls buildtrace needs. */
export function s3Client(options: S3Options) {
  const endpoint = new URL(options.endpoint);
  const host = options.forcePathStyle ? endpoint.host : `${options.bucket}.${endpoint.host}`;
  const base = endpoint.pathname.replace(/\/+$/, '');
  const pathOf = (key: string) =>
    `${base}${options.forcePathStyle ? `/${uriEncode(options.bucket)}` : ''}${key ? `/${uriEncode(key, true)}` : ''}`;

  function send(
    method: string,
    key: string,
    init: {
      headers?: Record<string, string>;
      body?: Readable;
      payloadHash?: string;
      query?: Record<string, string>;
    } = {},
  ): Promise<IncomingMessage> {
    const path = pathOf(key);
    const query = Object.entries(init.query ?? {})
      .map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`)
      .join('&');
    const headers = signV4({
      method,
      host,
      path: path || '/',
      query: init.query,
      headers: init.headers,
      payloadHash: init.payloadHash ?? EMPTY_SHA256,
      region: options.region,
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      date: new Date(),
    });
    const request = endpoint.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        {
          protocol: endpoint.protocol,
          hostname: options.forcePathStyle ? endpoint.hostname : `${options.bucket}.${endpoint.hostname}`,
          port: endpoint.port || undefined,
          method,
          path: `${path || '/'}${query ? `?${query}` : ''}`,
          headers,
        },
        resolve,
      );
      req.on('error', reject);
      if (init.body) init.body.on('error', (e) => req.destroy(e)).pipe(req);
      else req.end();
    });
  }

  async function fail(res: IncomingMessage, what: string): Promise<never> {
    const text = await readBody(res);
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? String(res.statusCode);
    const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? '';
    throw new S3Error(res.statusCode ?? 0, code, `S3 ${what}: ${res.statusCode} ${code} ${message}`.trim());
  }

  return {
    async head(key: string): Promise<{ bytes: number } | null> {
      const res = await send('HEAD', key);
      res.resume();
      if (res.statusCode === 404) return null;
      if (res.statusCode !== 200) return fail(res, `HEAD ${key}`);
      return { bytes: Number(res.headers['content-length'] ?? -1) };
    },
    async put(key: string, file: string, bytes: number, sha256: string): Promise<void> {
      const res = await send('PUT', key, {
        headers: { 'content-length': String(bytes), 'content-type': 'application/octet-stream' },
        body: createReadStream(file),
        payloadHash: sha256,
      });
      if (res.statusCode !== 200) return fail(res, `PUT ${key}`);
      res.resume();
    },
    /** The object's body, or null when there is none. */
    async get(key: string): Promise<IncomingMessage | null> {
      const res = await send('GET', key);
      if (res.statusCode === 404) {
        res.resume();
        return null;
      }
      if (res.statusCode !== 200) return fail(res, `GET ${key}`);
      return res;
    },
    /** Keys under a prefix (first 1,000), for checks and tests. */
    async list(prefix: string): Promise<string[]> {
      const res = await send('GET', '', { query: { 'list-type': '2', prefix } });
      if (res.statusCode !== 200) return fail(res, `LIST ${prefix}`);
      const xml = await readBody(res);
      return [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]!);
    },
    /** Creates the bucket if it does not exist (for tests and first start). */
    async ensureBucket(): Promise<void> {
      const probe = await send('HEAD', '');
      probe.resume();
      if (probe.statusCode === 200) return;
      const res = await send('PUT', '');
      if (res.statusCode !== 200 && res.statusCode !== 409)
        return fail(res, `create bucket ${options.bucket}`);
      res.resume();
    },
  };
}

export function s3BlobStore(
  options: S3Options,
): BlobStore & { ensureBucket(): Promise<void>; client: ReturnType<typeof s3Client> } {
  const client = s3Client(options);
  const staging = join(options.stagingDir, 'staging');
  const keyOf = (sha256: string) => `${options.prefix}sha256/${sha256.slice(0, 2)}/${sha256}`;
  return {
    kind: 's3',
    client,
    ensureBucket: () => client.ensureBucket(),
    async stage(source, { maxBytes }) {
      const { path: _path, ...staged } = await stageToDisk(staging, source, maxBytes);
      return staged;
    },
    async commit(staged) {
      checkStaged(staged);
      const path = join(staging, staged.id);
      const key = keyOf(staged.sha256);
      // Sent even when the object exists: still one object per SHA-256, and a damaged copy is mended.
      try {
        await client.put(key, path, staged.bytes, staged.sha256);
      } catch (error) {
        // The same staged upload committed twice: the first already sent it and removed the file.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && (await client.head(key))) return;
        throw error;
      }
      await rm(path, { force: true });
    },
    async discard(staged) {
      checkStaged(staged);
      await rm(join(staging, staged.id), { force: true });
    },
    async open(sha256, bytes) {
      const body = await client.get(keyOf(sha256));
      if (!body) throw new StoredFileDamaged(sha256, 'the stored file is missing');
      const spool = join(staging, `read-${randomBytes(16).toString('hex')}`);
      try {
        await mkdir(staging, { recursive: true });
        await pipeline(body, createWriteStream(spool));
        const actual = await hashFile(spool);
        if (actual.bytes !== bytes || actual.sha256 !== sha256)
          throw new StoredFileDamaged(sha256, 'the stored file no longer matches its SHA-256');
      } catch (error) {
        await rm(spool, { force: true });
        throw error;
      }
      const stream = createReadStream(spool);
      stream.on('close', () => void rm(spool, { force: true }));
      return { stream: stream.pipe(verifying(sha256, bytes)), bytes };
    },
  };
}
