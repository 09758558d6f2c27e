#!/usr/bin/env node
/**
 * `npm run build`: compiles the TypeScript sources (src, workers, migrations) to JavaScript in
 * `dist/` with tsc (tsconfig.build.json: `.ts` import specifiers are rewritten to `.js`) and copies
 * the files the code reads at run time (the pages' stylesheet). Production runs `dist/` with plain
 * `node`: no TypeScript loader, no esbuild service processes.
 *
 * Skips the work when `dist/` is newer than every source (so `npm start` may call it every time),
 * and takes a lock directory so two processes starting at once build once.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, '.built');
const LOCK = join(ROOT, '.buildtrace', 'build.lock');
const SOURCES = ['src', 'workers', 'migrations'];
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
const ASSETS = ['src/pages/assets'];

function newestSource() {
  let newest = 0;
  const visit = (path) => {
    const stat = statSync(path);
    newest = Math.max(newest, stat.mtimeMs);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
  };
  for (const source of [...SOURCES, ...CONFIGS])
    if (existsSync(join(ROOT, source))) visit(join(ROOT, source));
  return newest;
}

/** Whether `dist/` holds a build at least as new as every source. */
export function isFresh() {
  return existsSync(STAMP) && statSync(STAMP).mtimeMs >= newestSource();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function withLock(fn) {
  mkdirSync(dirname(LOCK), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      // A lock older than the longest build is left by a process that died: take it over.
      if (Date.now() - statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs > 180_000) {
        rmSync(LOCK, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another build holds ${LOCK}`);
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** Builds `dist/` unless it is fresh; `force` builds anyway. Returns whether it built. */
export async function build({ force = false, quiet = false } = {}) {
  if (!force && isFresh()) return false;
  return withLock(() => {
    if (!force && isFresh()) return false; // built by whoever held the lock
    if (!quiet) process.stderr.write('building dist/ (tsc -p tsconfig.build.json)\n');
    const tsc = createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
    const started = Date.now();
    // A clean build: a source deleted since the last one must not leave its output behind (a stale
    // migration in dist/migrations would be run).
    rmSync(DIST, { recursive: true, force: true });
    const result = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (result.status !== 0) throw new Error(`tsc failed (exit ${result.status ?? result.signal})`);
    for (const asset of ASSETS) cpSync(join(ROOT, asset), join(DIST, asset), { recursive: true });
    writeFileSync(STAMP, `${new Date().toISOString()}\n`);
    if (!quiet) process.stderr.write(`built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return true;
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    await build({ force: process.argv.includes('--force') });
  } catch (error) {
    process.stderr.write(`build: ${error.message}\n`);
    process.exit(1);
  }
}
