/**
 * Worker-thread entry: composes pages' content streams (2D codes + compression) for the render on
 * the main thread. See `page-composer.ts` for the protocol.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ValidationError } from '../domain/errors.ts';
import { LabelLayout, composePage } from './layout.ts';
import type { ComposeReply, ComposeRequest, WorkerSetup } from './page-composer.ts';

const setup = workerData as WorkerSetup;
const layout = new LabelLayout(setup.template, setup.dpi);
const port = parentPort!;

port.on('message', (request: ComposeRequest) => {
  let reply: ComposeReply;
  try {
    reply = {
      id: request.id,
      pages: request.pages.map((page) => composePage(layout, page, setup.compression)),
    };
  } catch (error) {
    reply = {
      id: request.id,
      error: {
        message: error instanceof Error ? error.message : String(error),
        problems: error instanceof ValidationError ? error.problems : undefined,
      },
    };
  }
  port.postMessage(reply);
});
