/** The attachment store the configuration asks for: local disk (default) or an S3-compatible bucket. */
import { join } from 'node:path';
import type { BlobStore } from '../commands/ports.ts';
import type { Config } from '../config/index.ts';
import { localBlobStore } from './blobs.ts';
import { s3BlobStore } from './s3.ts';

export function blobStoreFor(config: Pick<Config, 'storageDir' | 'attachments'>): BlobStore {
  const dir = join(config.storageDir, 'attachments');
  const s3 = config.attachments.s3;
  return config.attachments.store === 's3' && s3
    ? s3BlobStore({ ...s3, stagingDir: dir })
    : localBlobStore(dir);
}
