/** Starting buildtrace's own processes (as a user or process manager would) from tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './background.ts';
import type { Config } from '../../src/config/index.ts';
import type { TestContext } from './context.ts';

export const ROOT = new URL('../../', import.meta.url).pathname;

export interface Proc {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string | null>;
}

export function startProcess(entry: 'worker' | 'web' | 'all', env: Record<string, string>): Proc {
  let output = '';
  // node --import tsx: one process, so a SIGKILL hits the worker itself (the tsx CLI would fork).
  const child = spawn(process.execPath, ['--import', 'tsx', `src/main/${entry}.ts`], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'warn',
      METRICS_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  return { child, output: () => output, exited };
}

export async function kill(proc: Proc, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill(signal);
  await proc.exited;
}

/** What a web or worker process needs to work on a test context's database, queues and files. */
export function processEnv(ctx: TestContext, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: ctx.databaseUrl,
    // Nothing means BullMQ's PostgreSQL backend, as for the context itself.
    ...redisEnv(ctx.config.redis),
    QUEUE_PREFIX: ctx.queuePrefix,
    STORAGE_DIR: ctx.config.storageDir,
    PUBLIC_URL: ctx.config.publicUrl,
    ...extra,
  };
}

/** Waits until the process has printed `text` (it must log at a level that shows it). */
export async function waitForOutput(proc: Proc, text: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null)
        throw new Error(`process exited before printing '${text}':\n${proc.output()}`);
      return proc.output().includes(text);
    },
    `the process to print '${text}'`,
    timeoutMs,
  );
}

/** Sends `signal` and answers how the process ended and how long after the signal. */
export async function signalAndWait(
  proc: Proc,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<{ exit: number | string | null; ms: number }> {
  const t0 = performance.now();
  proc.child.kill(signal);
  const exit = await proc.exited;
  return { exit, ms: performance.now() - t0 };
}

/** The variables that name `redis` (the context's topology) to a process. */
function redisEnv(redis: Config['redis']): Record<string, string> {
  const list = (nodes: readonly { host: string; port: number }[]) =>
    nodes.map((n) => `${n.host}:${n.port}`).join(',');
  switch (redis?.topology) {
    case undefined:
      return { REDIS_URL: '' };
    case 'single':
      return { REDIS_URL: redis.url };
    case 'cluster':
      return { REDIS_CLUSTER_NODES: list(redis.nodes) };
    case 'sentinel':
      return { REDIS_SENTINELS: list(redis.sentinels), REDIS_SENTINEL_NAME: redis.name };
  }
}
