/** The attachment store the configuration asks for: local disk (default) or an S3-compatible bucket. */
import { join } from 'node:path';
import type { BlobStore } from '../commands/ports.ts';
import type { Config } from '../config/index.ts';
import { localBlobStore } from './blobs.ts';

export function blobStoreFor(config: Pick<Config, 'storageDir' | 'attachments'>): BlobStore {
  const dir = join(config.storageDir, 'attachments');
  const s3 = config.attachments.s3;
  if (config.attachments.store !== 's3' || !s3) return localBlobStore(dir);
  // The AWS SDK (~25 MB of memory) is loaded with the first attachment, and only where S3 is used.
  let store: Promise<BlobStore> | undefined;
  const bucket = () =>
    (store ??= import('./s3.ts').then(({ s3BlobStore }) => s3BlobStore({ ...s3, stagingDir: dir })));
  return {
    kind: 's3',
    stage: async (source, options) => (await bucket()).stage(source, options),
    commit: async (staged) => (await bucket()).commit(staged),
    discard: async (staged) => (await bucket()).discard(staged),
    open: async (sha256, bytes) => (await bucket()).open(sha256, bytes),
  };
}
