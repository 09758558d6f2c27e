/**
 * Blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, s3rver …) through the AWS SDK
 * (`@aws-sdk/client-s3`). Uploads are staged on local disk first (for the SHA-256, the size limit and
 * the type), then PUT under `<prefix>sha256/ab/<sha256>` with that SHA-256 as the object's checksum,
 * so a server that checks checksums (AWS, MinIO) refuses a body that arrived damaged (one object per
 * SHA-256, however often sent). Reads are spooled to local disk and checked before a byte is served.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { BlobStore } from '../commands/ports.ts';
import { StoredFileDamaged } from '../domain/attachments.ts';
import { checkStaged, hashFile, stageToDisk, verifying } from './blobs.ts';

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

/** The server said there is no such object (or bucket). */
const isNotFound = (error: unknown) =>
  error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404;

export function s3BlobStore(options: S3Options): BlobStore & {
  client: S3Client;
  /** Where a blob lives in the bucket. */
  keyOf(sha256: string): string;
  /** Creates the bucket if it does not exist (for tests and first start). */
  ensureBucket(): Promise<void>;
} {
  const client = new S3Client({
    endpoint: options.endpoint,
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    // Every PUT carries our own SHA-256 and every read is checked against it. Left to the defaults,
    // the SDK would add CRC32 checksums in aws-chunked trailers, which not every S3-compatible
    // server understands.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const Bucket = options.bucket;
  const staging = join(options.stagingDir, 'staging');
  const keyOf = (sha256: string) => `${options.prefix}sha256/${sha256.slice(0, 2)}/${sha256}`;

  async function exists(Key: string): Promise<boolean> {
    try {
      await client.send(new HeadObjectCommand({ Bucket, Key }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  return {
    kind: 's3',
    client,
    keyOf,
    async ensureBucket() {
      try {
        await client.send(new HeadBucketCommand({ Bucket }));
      } catch (error) {
        if (!isNotFound(error)) throw error;
        await client.send(new CreateBucketCommand({ Bucket })).catch((e: unknown) => {
          if (!(e instanceof BucketAlreadyOwnedByYou)) throw e;
        });
      }
    },
    async stage(source, { maxBytes }) {
      const { path: _path, ...staged } = await stageToDisk(staging, source, maxBytes);
      return staged;
    },
    async commit(staged) {
      checkStaged(staged);
      const path = join(staging, staged.id);
      const Key = keyOf(staged.sha256);
      if (!(await stat(path).catch(() => null))) {
        // The same staged upload committed twice: the first already sent it and removed the file.
        if (await exists(Key)) return;
        throw new Error(`staged upload ${staged.id} is gone and was never stored`);
      }
      // Sent even when the object exists: still one object per SHA-256, and a damaged copy is mended.
      await client.send(
        new PutObjectCommand({
          Bucket,
          Key,
          Body: createReadStream(path),
          ContentLength: staged.bytes,
          ContentType: 'application/octet-stream',
          ChecksumSHA256: Buffer.from(staged.sha256, 'hex').toString('base64'),
        }),
      );
      await rm(path, { force: true });
    },
    async discard(staged) {
      checkStaged(staged);
      await rm(join(staging, staged.id), { force: true });
    },
    async open(sha256, bytes) {
      let body: unknown;
      try {
        body = (await client.send(new GetObjectCommand({ Bucket, Key: keyOf(sha256) }))).Body;
      } catch (error) {
        if (isNotFound(error)) throw new StoredFileDamaged(sha256, 'the stored file is missing');
        throw error;
      }
      if (!(body instanceof Readable)) throw new Error('S3 GetObject: expected a Node.js stream body');
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
