/**
 * The request id follows the work: set for an HTTP request (X-Request-Id or a fresh one), stored
 * with every job the request causes, and restored while that job — and any job it causes — runs, so
 * one id ties together the log lines of a request and all its background work.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage<{ requestId: string }>();

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

export function withRequestId<T>(requestId: string | undefined, work: () => T): T {
  return requestId ? storage.run({ requestId }, work) : work();
}
