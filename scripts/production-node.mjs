#!/usr/bin/env node
/**
 * Prints the path of a Node.js binary of the major version the production image runs (the
 * Dockerfile's `ARG NODE_IMAGE=node:<major>…`), installing it first when this machine's Node is
 * another major: the registry's `node` package (a Node binary; no internet beyond npm needed), under
 * `.buildtrace/node<major>`, refreshed to that major's newest release each time.
 *
 * Used by `npm test` (its second lane runs the unit and e2e projects on it) and by
 * `npm run bench -- scale` (the web and worker it starts). Exits 1, saying why on stderr, when it cannot be installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const image = /^ARG NODE_IMAGE=node:(\d+)/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'));
if (!image) {
  process.stderr.write('Dockerfile: no ARG NODE_IMAGE=node:<major>\n');
  process.exit(1);
}
const major = image[1];
if (process.versions.node.split('.')[0] === major) {
  process.stdout.write(`${process.execPath}\n`);
  process.exit(0);
}
const prefix = join(root, '.buildtrace', `node${major}`);
const binary = join(prefix, 'node_modules', 'node', 'bin', 'node');
const installed = spawnSync(
  process.platform === 'win32' ? 'npm.cmd' : 'npm',
  [
    'install',
    '--prefix',
    prefix,
    '--no-save',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    `node@${major}`,
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
if (!existsSync(binary)) {
  process.stderr.write(`could not install Node ${major} (the production image's) from the registry\n`);
  process.exit(1);
}
if (installed.status !== 0)
  process.stderr.write(`could not refresh Node ${major}; using the one installed\n`);
process.stdout.write(`${binary}\n`);
