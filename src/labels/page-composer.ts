/**
 * Page composers: turn pages' code cells and text into compressed content streams, either on the
 * calling thread or in worker threads.
 *
 * Encoding the 2D codes and compressing the page are most of a label's cost and need nothing but the
 * template, so they can run on other cores. Text stays on the main thread because it shares one
 * growing font subset. Results come back per request in the order requests were made.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ValidationError, type FieldProblem } from '../domain/errors.ts';
import { LabelLayout, composePage, type PageJob } from './layout.ts';
import type { LabelTemplate } from '../domain/label-templates.ts';

export interface PageComposer {
  /** Compressed content streams for `pages`, in order. */
  compose(pages: PageJob[]): Promise<Uint8Array[]>;
  /** Requests worth having in flight at once before waiting for the oldest. */
  readonly depth: number;
  close(): Promise<void>;
}

/** What a worker needs to know, passed as `workerData` (plain data: templates are data). */
export interface WorkerSetup {
  template: LabelTemplate;
  dpi: number;
  compression: number;
}

export interface ComposeRequest {
  id: number;
  pages: PageJob[];
}

export type ComposeReply =
  | { id: number; pages: Uint8Array[] }
  | { id: number; error: { message: string; problems: FieldProblem[] | undefined } };

/** Composes on the calling thread; the simple path, and the faster one for small renders. */
export function inlineComposer(setup: WorkerSetup): PageComposer {
  const layout = new LabelLayout(setup.template, setup.dpi);
  return {
    depth: 0,
    compose: async (pages) => pages.map((page) => composePage(layout, page, setup.compression)),
    close: async () => {},
  };
}

const require = createRequire(import.meta.url);

/**
 * Starts a worker on `page-worker`. Compiled (dist/, as production runs) the worker imports the
 * JavaScript entry itself. From the TypeScript sources (tsx in development, vitest in tests) a
 * worker thread does not inherit the parent's TypeScript loader on Node 20, so it registers tsx
 * before importing the entry.
 */
function startWorker(setup: WorkerSetup): Worker {
  if (import.meta.url.endsWith('.js'))
    return new Worker(new URL('./page-worker.js', import.meta.url), { workerData: setup });
  const entry = new URL('./page-worker.ts', import.meta.url);
  // tsx's ESM API (`tsx/esm/api`, import condition); its CommonJS twin looks for its loader in the
  // wrong folder when loaded inside a worker.
  const tsx = pathToFileURL(
    join(dirname(require.resolve('tsx/package.json')), 'dist/esm/api/index.mjs'),
  ).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: setup });
}

interface Pending {
  resolve: (pages: Uint8Array[]) => void;
  reject: (error: Error) => void;
}

/**
 * Composes in `threads` worker threads, requests handed out round-robin. A worker that dies fails
 * every request it holds; the render then fails as a whole (a PDF with a page missing is worse).
 */
export function workerComposer(setup: WorkerSetup, threads: number): PageComposer {
  const workers = Array.from({ length: threads }, () => startWorker(setup));
  const pending = new Map<number, Pending>();
  const held = new Map<Worker, Set<number>>(workers.map((w) => [w, new Set()]));
  let nextId = 0;
  let broken: Error | undefined;

  for (const worker of workers) {
    const mine = held.get(worker)!;
    worker.on('message', (reply: ComposeReply) => {
      const waiter = pending.get(reply.id);
      pending.delete(reply.id);
      mine.delete(reply.id);
      if (!waiter) return;
      if ('pages' in reply) waiter.resolve(reply.pages);
      else if (reply.error.problems) waiter.reject(new ValidationError(reply.error.problems));
      else waiter.reject(new Error(reply.error.message));
    });
    const fail = (error: Error) => {
      broken ??= error;
      for (const id of mine) pending.get(id)?.reject(error);
      mine.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (mine.size > 0) fail(new Error(`label worker exited with code ${code}`));
    });
  }

  return {
    depth: threads * 2,
    compose(pages) {
      if (broken) return Promise.reject(broken);
      const id = nextId++;
      const worker = workers[id % workers.length]!;
      return new Promise<Uint8Array[]>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        held.get(worker)!.add(id);
        worker.postMessage({ id, pages } satisfies ComposeRequest);
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
