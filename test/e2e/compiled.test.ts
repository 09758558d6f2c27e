/**
 * The compiled build (`dist/`, what production runs) and the TypeScript sources (what tests and
 * `npm run dev` run) share one database: a migration is named by its `.ts` file either way, so a
 * database migrated from the sources is up to date for the compiled CLI, and the other way round.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminQuery } from '../helpers/context.ts';
import { databaseUrl } from '../helpers/env.ts';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const names = [
  `bt_compiled_${randomBytes(4).toString('hex')}`,
  `bt_compiled_${randomBytes(4).toString('hex')}`,
];

const cli = (how: 'compiled' | 'sources', database: string, ...args: string[]) =>
  run(
    process.execPath,
    how === 'compiled' ? ['dist/src/main/cli.js', ...args] : ['--import', 'tsx', 'src/main/cli.ts', ...args],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATABASE_URL: databaseUrl(database),
        LOG_LEVEL: 'warn',
      },
      timeout: 120_000,
    },
  );

beforeAll(async () => {
  await run(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, timeout: 170_000 });
  for (const name of names) await adminQuery(`CREATE DATABASE "${name}"`);
}, 200_000);
afterAll(async () => {
  for (const name of names) await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
});

describe('compiled and source builds share the migration history', () => {
  it('a database the sources migrated is up to date for the compiled CLI', async () => {
    expect((await cli('sources', names[0]!, 'migrate')).stdout).toMatch(/applied \d+|migrat/i);
    expect((await cli('compiled', names[0]!, 'migrate')).stdout).toMatch(/already up to date/);
  });

  it('a database the compiled CLI migrated is up to date for the sources', async () => {
    expect((await cli('compiled', names[1]!, 'migrate')).stdout).not.toMatch(/already up to date/);
    expect((await cli('sources', names[1]!, 'migrate')).stdout).toMatch(/already up to date/);
  });
});
