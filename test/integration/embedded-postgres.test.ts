/**
 * Attaching to the embedded PostgreSQL (`src/db/embedded.ts`) on a busy machine: a second process
 * (the CLI after `npm start`) must attach to the server whose postmaster is alive however slowly it
 * answers, and never start a second server on its data directory. The slow server is a real one
 * frozen with SIGSTOP (the kernel still accepts connections; nothing answers), thawed after 3 s —
 * longer than the 2-second connect the attach once depended on.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded.ts';
import { freePort } from '../helpers/ports.ts';

let dataDir: string;
let port: number;
let first: EmbeddedDatabase | undefined;
const logged: { level: number; msg: string }[] = [];
const log = pino(
  { level: 'info' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logged.push(JSON.parse(line));
      done();
    },
  }),
);
const pidFile = () => join(dataDir, 'pg16', 'postmaster.pid');
const postmasterPid = async () => Number((await readFile(pidFile(), 'utf8')).split('\n')[0]);

async function query(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query('SELECT 1 AS one')).rows[0].one);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bt-embedded-'));
  port = await freePort();
  first = await startEmbeddedPostgres({ dataDir, port, log });
}, 120_000);
afterAll(async () => {
  await first?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('embedded PostgreSQL', () => {
  it('a second process attaches to a live postmaster that is slow to answer, starting nothing', async () => {
    const pid = await postmasterPid();
    logged.length = 0;
    process.kill(pid, 'SIGSTOP');
    let thawed = false;
    const thaw = setTimeout(() => {
      thawed = true;
      process.kill(pid, 'SIGCONT');
    }, 3_000);
    try {
      const second = await startEmbeddedPostgres({ dataDir, port, log });
      expect(thawed).toBe(true);
      expect(second.url).toBe(first!.url);
      expect(await query(second.url)).toBe(1);
      await second.stop(); // not its server: stops nothing
      expect(await query(first!.url)).toBe(1);
    } finally {
      clearTimeout(thaw);
      process.kill(pid, 'SIGCONT');
    }
    expect(await postmasterPid()).toBe(pid);
    const messages = logged.map((l) => l.msg);
    expect(messages).toContain('embedded PostgreSQL already running; sharing it');
    expect(messages).not.toContain('found a postmaster.pid from an earlier run');
    expect(messages).not.toContain('embedded PostgreSQL started');
  }, 60_000);

  it('refuses, after waiting, to start a second server beside a live postmaster that never answers', async () => {
    const other = join(await mkdtemp(join(tmpdir(), 'bt-embedded-live-')), 'data');
    // Copy enough of a cluster to look initialised, then name a live process as its postmaster,
    // listening on a port where nothing answers.
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    const silent = await freePort();
    try {
      await startEmbeddedPostgres({ dataDir: other, port: await freePort(), log }).then((db) => db.stop());
      await writeFile(
        join(other, 'pg16', 'postmaster.pid'),
        `${sleeper.pid}\n${join(other, 'pg16')}\n1733550000\n${silent}\n/tmp\n127.0.0.1\n  1234     5678\nstarting\n`,
      );
      logged.length = 0;
      const started = Date.now();
      await expect(
        startEmbeddedPostgres({ dataDir: other, port: silent, log, attachTimeoutMs: 2_000 }),
      ).rejects.toThrow(
        new RegExp(`postmaster \\(pid ${sleeper.pid}\\) is alive .*not starting a second server`),
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
      expect(logged.map((l) => l.msg)).not.toContain('found a postmaster.pid from an earlier run');
      expect(Number((await readFile(join(other, 'pg16', 'postmaster.pid'), 'utf8')).split('\n')[0])).toBe(
        sleeper.pid,
      );
    } finally {
      sleeper.kill('SIGKILL');
      await once(sleeper, 'exit').catch(() => undefined);
      await rm(join(other, '..'), { recursive: true, force: true });
    }
  }, 120_000);

  it('starts over a postmaster.pid whose process is gone (a killed server)', async () => {
    await first!.stop();
    first = undefined;
    const gone = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await once(gone, 'exit');
    const text = await readFile(pidFile(), 'utf8').catch(() => null);
    expect(text).toBeNull(); // a clean stop removes it; put back one of a dead process
    await writeFile(
      pidFile(),
      `${gone.pid}\n${join(dataDir, 'pg16')}\n1733550000\n${port}\n/tmp\n127.0.0.1\n  1     2\nready\n`,
    );
    first = await startEmbeddedPostgres({ dataDir, port, log });
    expect(await query(first.url)).toBe(1);
    expect(await postmasterPid()).not.toBe(gone.pid);
  }, 60_000);
});
