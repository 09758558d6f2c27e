/**
 * Content-addressed attachment storage. Uploads are streamed into a staging folder on local disk
 * while their SHA-256 is computed (and the size limit enforced), their type is detected by file-type
 * on the staged file, then they are moved under that SHA-256:
 * on local disk (`<dir>/sha256/ab/<sha256>`) or in an S3-compatible bucket (see s3.ts). Identical
 * files end up as one stored file. Every read checks the bytes against the SHA-256 first, and again
 * while streaming, so a damaged file is never served.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileTypeFromFile } from 'file-type';
import type { BlobStore, StagedBlob } from '../commands/ports.ts';
import { FileTooLarge, SNIFF_BYTES, StoredFileDamaged, type DetectedType } from '../domain/attachments.ts';

const SHA256 = /^[0-9a-f]{64}$/;
const STAGING_ID = /^[0-9a-f]{32}$/;

export function checkStaged(staged: StagedBlob): void {
  if (!STAGING_ID.test(staged.id) || !SHA256.test(staged.sha256))
    throw new Error('not a staged upload of this store');
}

/**
 * What file-type recognises in a file. It is given the whole file, not a first few kilobytes, so it
 * can walk a zip's entries (a jar whose manifest comes after a large entry is still a jar).
 */
async function detectFileType(path: string): Promise<DetectedType | null> {
  try {
    const found = await fileTypeFromFile(path);
    return found ? { ext: found.ext, mime: found.mime } : null;
  } catch (error) {
    // A file that only starts like a format (a zip cut short, bad deflate data inside): file-type gives
    // up with an error, and the file is simply not of that type. Failing to read the file is ours.
    if ((error as NodeJS.ErrnoException).syscall !== undefined) throw error;
    return null;
  }
}

/**
 * Streams `source` into `<dir>/<random>`, hashing it, then detects its type; past `maxBytes` removes
 * the file and throws FileTooLarge.
 */
export async function stageToDisk(
  dir: string,
  source: AsyncIterable<Uint8Array>,
  maxBytes: number,
): Promise<StagedBlob & { path: string }> {
  await mkdir(dir, { recursive: true });
  const id = randomBytes(16).toString('hex');
  const path = join(dir, id);
  const hash = createHash('sha256');
  const head: Buffer[] = [];
  let headBytes = 0;
  let bytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      bytes += chunk.length;
      if (bytes > maxBytes) return callback(new FileTooLarge(maxBytes));
      hash.update(chunk);
      if (headBytes < SNIFF_BYTES) {
        head.push(chunk.subarray(0, SNIFF_BYTES - headBytes));
        headBytes += Math.min(chunk.length, SNIFF_BYTES - headBytes);
      }
      callback(null, chunk);
    },
  });
  const file = createWriteStream(path, { flags: 'wx' });
  let detected: DetectedType | null;
  try {
    await pipeline(Readable.from(source), count, file);
    detected = await detectFileType(path);
  } catch (error) {
    // A source that failed at once fails the pipeline before the file is even open: wait for it to
    // be created and closed, or it would appear after the removal.
    if (!file.closed) await new Promise<void>((closed) => file.once('close', closed));
    await rm(path, { force: true });
    throw error;
  }
  return { id, path, sha256: hash.digest('hex'), bytes, head: Buffer.concat(head), detected };
}

/** A pass-through that fails the stream at its end when the bytes do not hash to `sha256`. */
export function verifying(sha256: string, bytes: number): Transform {
  const hash = createHash('sha256');
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      hash.update(chunk);
      seen += chunk.length;
      if (seen > bytes) return callback(new StoredFileDamaged(sha256, 'the stored file grew'));
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      const actual = hash.digest('hex');
      if (seen !== bytes || actual !== sha256)
        return callback(new StoredFileDamaged(sha256, 'the stored file changed while it was read'));
      callback();
    },
  });
}

/** SHA-256 and size of a file on disk. */
export async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Where a blob lives under a local store's folder. */
export const localBlobPath = (dir: string, sha256: string) => join(dir, 'sha256', sha256.slice(0, 2), sha256);

/** Blobs on local disk under `dir` (default `$STORAGE_DIR/attachments`). */
export function localBlobStore(dir: string): BlobStore {
  const staging = join(dir, 'staging');
  return {
    kind: 'local',
    async stage(source, { maxBytes }) {
      const { path: _path, ...staged } = await stageToDisk(staging, source, maxBytes);
      return staged;
    },
    async commit(staged) {
      checkStaged(staged);
      const target = localBlobPath(dir, staged.sha256);
      await mkdir(join(target, '..'), { recursive: true });
      try {
        // Replacing an existing copy with the fresh one also mends a damaged copy.
        await rename(join(staging, staged.id), target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        // Already moved (the same staged upload committed twice).
        if (!(await stat(target).catch(() => null))) throw error;
      }
    },
    async discard(staged) {
      checkStaged(staged);
      await rm(join(staging, staged.id), { force: true });
    },
    async open(sha256, bytes) {
      if (!SHA256.test(sha256)) throw new StoredFileDamaged(sha256, 'not a SHA-256');
      const path = localBlobPath(dir, sha256);
      const info = await stat(path).catch(() => null);
      if (!info?.isFile()) throw new StoredFileDamaged(sha256, 'the stored file is missing');
      if (info.size !== bytes)
        throw new StoredFileDamaged(sha256, `the stored file has ${info.size} bytes, not ${bytes}`);
      const actual = await hashFile(path);
      if (actual.sha256 !== sha256)
        throw new StoredFileDamaged(sha256, 'the stored file no longer matches its SHA-256');
      return { stream: createReadStream(path).pipe(verifying(sha256, bytes)), bytes };
    },
  };
}
