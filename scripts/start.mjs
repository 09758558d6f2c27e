#!/usr/bin/env node
/**
 * Runs one of buildtrace's entry points from the compiled JavaScript in `dist/`, in this very
 * process (so a signal sent to it reaches the app): `node scripts/start.mjs all|web|worker|cli …`.
 * From a source checkout it builds `dist/` first when a source is newer (scripts/build.mjs); an
 * image that ships only `dist/` just runs it.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRIES = ['all', 'web', 'worker', 'cli'];
const entry = process.argv[2];
if (!ENTRIES.includes(entry)) {
  process.stderr.write(`usage: node scripts/start.mjs ${ENTRIES.join('|')} [arguments]\n`);
  process.exit(64);
}
if (existsSync(join(ROOT, 'src')) && existsSync(join(ROOT, 'node_modules', 'typescript'))) {
  const { build } = await import('./build.mjs');
  try {
    await build({ quiet: entry === 'cli' });
  } catch (error) {
    process.stderr.write(`buildtrace: could not build dist/: ${error.message}\n`);
    process.exit(1);
  }
}
// The entry point sees the arguments after the entry's name, as if it had been started itself.
process.argv.splice(2, 1);
await import(pathToFileURL(join(ROOT, 'dist', 'src', 'main', `${entry}.js`)).href);
