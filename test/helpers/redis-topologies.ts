/**
 * Private Redis topologies from the machine's `redis-server`, on free loopback ports, for the tests
 * of Redis Cluster and Sentinel: a cluster of masters (no replicas), and a primary with one replica
 * watched by sentinels that fail over within a few seconds. Nothing persists; `close()` kills every
 * process it started and removes their directories.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './ports.ts';

const run = promisify(execFile);

interface Server {
  port: number;
  child: ChildProcess;
}

/** A redis-server (or sentinel) on `port`, answering PING when this resolves. */
async function startServer(port: number, args: string[]): Promise<Server> {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const probe = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => {
    // Refused until the server listens: the loop below tries again.
  });
  try {
    for (let i = 0; ; i++) {
      try {
        await probe.connect();
        await probe.ping();
        break;
      } catch (error) {
        if (i >= 100 || child.exitCode !== null) {
          child.kill('SIGKILL');
          throw new Error(`redis-server on port ${port} did not start: ${String(error)}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } finally {
    probe.disconnect();
  }
  return { port, child };
}

async function killServer(server: Server): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** Polls `check` every 100 ms until it answers true, or fails naming `what`. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Not yet: a node that is still starting refuses.
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function ask<T>(port: number, command: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {
    // The command's own promise reports it.
  });
  try {
    return await command(r);
  } finally {
    r.disconnect();
  }
}

const EPHEMERAL = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'];

export interface PrivateCluster {
  /** `host:port,…` of the masters: REDIS_CLUSTER_NODES. */
  nodes: string;
  ports: number[];
  /** Keys each master holds (DBSIZE), in the order of `ports`. */
  keysPerNode(): Promise<number[]>;
  close(): Promise<void>;
}

/** `masters` cluster-enabled servers, their 16384 slots shared out by `redis-cli --cluster create`. */
export async function startPrivateCluster(masters = 3): Promise<PrivateCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'bt-redis-cluster-'));
  const servers: Server[] = [];
  const close = async () => {
    for (const s of servers) await killServer(s);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      // The cluster bus port is chosen too: port + 10000 may be taken or out of range.
      const [port, busPort] = [await freePort(), await freePort()];
      servers.push(
        await startServer(port, [
          '--port',
          String(port),
          '--cluster-enabled',
          'yes',
          '--cluster-port',
          String(busPort),
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '2000',
          '--dir',
          dir,
          ...EPHEMERAL,
        ]),
      );
    }
    const addresses = servers.map((s) => `127.0.0.1:${s.port}`);
    await run(
      'redis-cli',
      ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
      {
        timeout: 30_000,
      },
    );
    for (const s of servers)
      await until(
        async () => (await ask(s.port, (r) => r.cluster('INFO'))).includes('cluster_state:ok'),
        `cluster node ${s.port} to report cluster_state:ok`,
        20_000,
      );
  } catch (error) {
    await close();
    throw error;
  }
  return {
    nodes: servers.map((s) => `127.0.0.1:${s.port}`).join(','),
    ports: servers.map((s) => s.port),
    keysPerNode: () => Promise.all(servers.map((s) => ask(s.port, (r) => r.dbsize()))),
    close,
  };
}

export interface PrivateSentinels {
  /** `host:port,…` of the sentinels: REDIS_SENTINELS. */
  sentinels: string;
  /** The master name the sentinels monitor: REDIS_SENTINEL_NAME. */
  name: string;
  /** The port of the server the sentinels name primary now. */
  primaryPort(): Promise<number>;
  /** SIGKILLs the current primary; resolves once the sentinels name the replica instead. */
  killPrimary(): Promise<{ from: number; to: number; failoverMs: number }>;
  close(): Promise<void>;
}

/**
 * A primary, one replica and `sentinels` sentinels (quorum: a majority) that declare the primary down
 * after `downAfterMs` and fail over to the replica.
 */
export async function startPrivateSentinels(
  options: { sentinels?: number; downAfterMs?: number } = {},
): Promise<PrivateSentinels> {
  const count = options.sentinels ?? 3;
  const downAfterMs = options.downAfterMs ?? 1_000;
  const name = 'buildtrace-primary';
  const dir = await mkdtemp(join(tmpdir(), 'bt-redis-sentinel-'));
  const data: Server[] = [];
  const watchers: Server[] = [];
  const close = async () => {
    for (const s of [...watchers, ...data]) await killServer(s);
    await rm(dir, { recursive: true, force: true });
  };
  const sentinelPorts: number[] = [];
  const primaryPort = async (): Promise<number> => {
    for (const port of sentinelPorts) {
      try {
        const addr = (await ask(port, (r) => r.call('SENTINEL', 'get-master-addr-by-name', name))) as
          [string, string] | null;
        if (addr) return Number(addr[1]);
      } catch {
        // That sentinel is not answering: ask the next.
      }
    }
    throw new Error('no sentinel names a primary');
  };
  try {
    const primary = await freePort();
    data.push(await startServer(primary, ['--port', String(primary), '--dir', dir, ...EPHEMERAL]));
    const replica = await freePort();
    data.push(
      await startServer(replica, [
        '--port',
        String(replica),
        '--replicaof',
        '127.0.0.1',
        String(primary),
        '--dir',
        dir,
        ...EPHEMERAL,
      ]),
    );
    await until(
      async () => (await ask(replica, (r) => r.info('replication'))).includes('master_link_status:up'),
      'the replica to sync',
      20_000,
    );
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      // A sentinel rewrites its configuration file: each has its own.
      const file = join(dir, `sentinel-${port}.conf`);
      await writeFile(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${primary} ${Math.floor(count / 2) + 1}`,
          `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
          `sentinel failover-timeout ${name} ${downAfterMs * 3}`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      watchers.push(await startServer(port, [file, '--sentinel', '--loglevel', 'warning']));
      sentinelPorts.push(port);
    }
    // Each sentinel has found the replica and the other sentinels (through the primary's hello channel).
    for (const port of sentinelPorts)
      await until(
        async () => {
          const master = (await ask(port, (r) => r.call('SENTINEL', 'master', name))) as string[];
          const field = (k: string) => Number(master[master.indexOf(k) + 1]);
          return field('num-slaves') >= 1 && field('num-other-sentinels') >= count - 1;
        },
        `sentinel ${port} to see the replica and the other sentinels`,
        20_000,
      );
  } catch (error) {
    await close();
    throw error;
  }
  return {
    sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
    name,
    primaryPort,
    async killPrimary() {
      const from = await primaryPort();
      const server = data.find((s) => s.port === from)!;
      const t0 = Date.now();
      await killServer(server);
      let to = from;
      await until(
        async () => {
          to = await primaryPort();
          return to !== from;
        },
        'the sentinels to promote the replica',
        30_000,
      );
      // The promoted replica accepts writes (it has left read-only replica mode).
      await until(
        async () => (await ask(to, (r) => r.info('replication'))).includes('role:master'),
        'the promoted replica to take writes',
        10_000,
      );
      return { from, to, failoverMs: Date.now() - t0 };
    },
    close,
  };
}
