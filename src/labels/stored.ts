/** The LabelRenderer the workers use: render to a temporary file, then keep it in the file store. */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabelRenderer } from '../domain/labels.ts';

/** Where the rendered PDF is kept: the file store, as far as the renderer needs it. */
export interface LabelFileStore {
  put(key: string, data: AsyncIterable<Uint8Array | string>): Promise<{ bytes: number }>;
}

export function storedLabelRenderer(
  files: LabelFileStore,
  options: { threads?: number } = {},
): LabelRenderer {
  return {
    async render(items, { template, dpi, total, fileKey, onProgress }) {
      const dir = await mkdtemp(join(tmpdir(), 'buildtrace-labels-'));
      try {
        const path = join(dir, 'labels.pdf');
        // Worker threads pay off from a few thousand labels on.
        const threads = options.threads ?? (total >= 2_000 ? 2 : 0);
        // pdf-lib and fontkit load with the first label run, not with every process that could run one.
        const { renderLabels } = await import('./render.ts');
        const result = await renderLabels(items, {
          template: template as never,
          dpi,
          out: path,
          total,
          threads,
          onProgress: (done) => onProgress(done),
        });
        const stored = await files.put(fileKey, createReadStream(path));
        return { pages: result.pages, bytes: stored.bytes };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
