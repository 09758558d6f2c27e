import type { DetectedType } from '../../domain/attachments.ts';

/** Where generated files (label PDFs, recall reports) and attachments are kept. */
export interface FileStore {
  /** Writes a file under `key` (replacing it), atomically: readers see the old or the new file. */
  put(
    key: string,
    data: Buffer | string | AsyncIterable<Uint8Array | string>,
  ): Promise<{ bytes: number; sha256: string }>;
  /** Opens a stored file for reading, or null if there is none. */
  open(
    key: string,
  ): Promise<{ stream: AsyncIterable<Uint8Array> & NodeJS.ReadableStream; bytes: number } | null>;
}

/** An upload written to the store's staging area, not yet under its SHA-256. */
export interface StagedBlob {
  /** Opaque staging name (hex). */
  id: string;
  sha256: string;
  bytes: number;
  /** The first bytes (for the text and `#!` rules). */
  head: Buffer;
  /** What file-type recognised in the whole staged file, or null. */
  detected: DetectedType | null;
}

/**
 * Content-addressed storage of attachment bytes: each file under its SHA-256, stored once, checked
 * against that SHA-256 whenever it is read. Local disk or any S3-compatible store.
 */
export interface BlobStore {
  readonly kind: 'local' | 's3';
  /** Streams an upload into staging, hashing it; throws FileTooLarge (keeping nothing) past `maxBytes`. */
  stage(source: AsyncIterable<Uint8Array>, options: { maxBytes: number }): Promise<StagedBlob>;
  /** Moves a staged upload under its SHA-256 (one copy however often it is stored). Idempotent. */
  commit(staged: StagedBlob): Promise<void>;
  /** Forgets a staged upload. */
  discard(staged: StagedBlob): Promise<void>;
  /**
   * Opens a blob for reading after checking its bytes against `sha256` (and size); throws
   * StoredFileDamaged when they do not match or the blob is gone. The stream re-checks while it reads.
   */
  open(sha256: string, bytes: number): Promise<{ stream: NodeJS.ReadableStream; bytes: number }>;
}
