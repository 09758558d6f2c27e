/**
 * What the benches share: the compiled entry points they start, their options, a statement on the server's admin database, a free port,
 * and the open-loop pacing with its latency percentiles (requests leave on schedule whether or not
 * earlier ones were answered; latency counts from the scheduled moment, so a stall is not hidden).
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * The arguments to `node` that run an entry point (`web`, `worker`) as production does: the compiled
 * JavaScript in `dist/` (built here first when a source is newer, as `npm start` does), without a
 * TypeScript loader — which costs a process its start-up, ~70 MB of memory and some CPU per request.
 */
export function compiledEntry(name: 'web' | 'worker' | 'all'): string[] {
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('could not build dist/ (node scripts/build.mjs)');
  return [join(ROOT, 'dist', 'src', 'main', `${name}.js`)];
}

/**
 * The Node.js binary to run the compiled entry points on: the major version the production image
 * runs (the Dockerfile's `NODE_IMAGE`), so a figure is what a deployment sees — this Node when it is
 * that major, else the registry's `node` package of that major, as `npm test` gets it for its second
 * lane (scripts/production-node.mjs); when that cannot be installed, this Node, said on stderr. Node
 * 20 and 24 differ a lot for a web process (Node 24's young generation keeps far less of each
 * request: at 500 lookups/s it promoted 12 MB where Node 20 promoted 222, and used a quarter less CPU
 * per request).
 */
export function productionNode(): string {
  const found = spawnSync(process.execPath, [join(ROOT, 'scripts', 'production-node.mjs')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (found.status === 0) return found.stdout.trim();
  process.stderr.write(`running on this Node, ${process.version}\n`);
  return process.execPath;
}

/** The version of a Node.js binary (`v24.1.0`). */
export function nodeVersion(binary: string): string {
  return binary === process.execPath
    ? process.version
    : spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim();
}

/** `--name=value` from the command line, as a number. */
export function arg(name: string, fallback: number): number {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? Number(found.split('=')[1]) : fallback;
}

export { deleteRedisKeys } from '../test/helpers/redis-keys.ts';

/** Runs one statement on the server's default database (create, drop databases). */
export async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Result {
  latencies: number[];
  /** Answers that were not what the request expects (a refused scan, a sign-in page…). */
  unexpected: number;
  errors: number;
}

/** Runs `rate × seconds` tasks on schedule (open loop); latency counts from the scheduled time. */
export async function paced(
  rate: number,
  seconds: number,
  task: (i: number) => Promise<boolean>,
): Promise<Result> {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const latencies: number[] = [];
  let unexpected = 0;
  let errors = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now() + 20;
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    while (sent < total && start + sent * interval <= now) {
      const scheduled = start + sent * interval;
      pending.push(
        task(sent++).then(
          (expected) => {
            latencies.push(performance.now() - scheduled);
            if (!expected) unexpected++;
          },
          () => {
            latencies.push(performance.now() - scheduled);
            errors++;
          },
        ),
      );
    }
    await sleep(1);
  }
  await Promise.all(pending);
  return { latencies, unexpected, errors };
}

/** p50, p95, p99 and the slowest of `latencies`, in ms to one decimal. */
export function stats(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const p = (q: number) =>
    Number(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!.toFixed(1));
  return { p50Ms: p(0.5), p95Ms: p(0.95), p99Ms: p(0.99), maxMs: Number(sorted.at(-1)!.toFixed(1)) };
}
