/**
 * A private PostgreSQL server for fault tests that take the database away (so stopping it disturbs
 * no other test file): the machine's own binaries, a fresh cluster in a temporary directory, on a
 * free loopback port. Run as the `postgres` user when the tests run as root (initdb refuses root).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './ports.ts';

export interface PrivatePostgres {
  /** URL of the `postgres` database on it. */
  url: string;
  port: number;
  /** Stops the server (fast shutdown: connections are cut); its data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  close(): Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const version = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))[0]
    : undefined;
  if (!version) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql');
  return join(root, version, 'bin');
}

/** The uid/gid to run the server as: `postgres` when we are root, ourselves otherwise. */
function owner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres']).stdout.toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** Runs a server on a data directory: started on demand, on a fixed loopback port. */
function server(
  bin: string,
  user: { uid: number; gid: number } | undefined,
  dir: string,
  data: string,
  port: number,
) {
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | undefined;

  async function start() {
    child = spawn(
      join(bin, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'max_connections=100',
      ],
      { ...(user ?? {}), stdio: 'ignore' },
    );
    for (let i = 0; i < 200; i++) {
      const client = new pg.Client({ connectionString: url });
      try {
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
        return;
      } catch {
        await client.end().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error('the private PostgreSQL did not start');
  }
  async function stop() {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGINT'); // fast shutdown: sessions are ended, nothing waits for clients
    await exited;
  }
  return { url, start, stop };
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  const user = owner();
  const dir = await mkdtemp(join(tmpdir(), 'bt-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  // initdb's defaults already allow streaming replication (wal_level=replica, replication
  // connections trusted from loopback): a standby can be cloned from it (startStandby).
  const init = spawnSync(
    join(bin, 'initdb'),
    ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync'],
    {
      ...(user ?? {}),
      encoding: 'utf8',
    },
  );
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  return startOn(bin, user, dir, data);
}

/**
 * A hot standby of a private server, streaming from it: `pg_basebackup -R` (a copy of the primary
 * that knows how to follow it), started on another free loopback port. Read-only; `url` names the
 * same `postgres` database, whose tables are the primary's a moment later.
 */
export async function startStandby(primary: PrivatePostgres): Promise<PrivatePostgres> {
  const bin = binDir();
  const user = owner();
  const dir = await mkdtemp(join(tmpdir(), 'bt-pg-standby-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const backup = spawnSync(
    join(bin, 'pg_basebackup'),
    [
      '-D',
      data,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
      '-h',
      '127.0.0.1',
      '-p',
      String(primary.port),
      '-U',
      'postgres',
      '--no-sync',
    ],
    { ...(user ?? {}), encoding: 'utf8' },
  );
  if (backup.status !== 0) throw new Error(`pg_basebackup failed: ${backup.stderr}`);
  return startOn(bin, user, dir, data);
}

/** Starts the server of the data directory `data` on a free loopback port; close() removes `dir`. */
async function startOn(
  bin: string,
  user: ReturnType<typeof owner>,
  dir: string,
  data: string,
): Promise<PrivatePostgres> {
  const port = await freePort();
  const { url, start, stop } = server(bin, user, dir, data, port);
  await start();
  return {
    url,
    port,
    stop,
    start,
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
