/**
 * The one place that constructs Redis connections: one server, a Redis Cluster, or the primary of a
 * Sentinel-managed group, as the configuration names it (see RedisConfig in src/config).
 *
 * Two kinds of connection, for two kinds of caller:
 * - `producer` (queues, `claimOnce`, `/readyz`): fails fast while Redis is away — one retry, no
 *   offline queue — because what a producer could not hand over waits in the PostgreSQL outbox.
 * - `worker` (BullMQ workers): waits for Redis to come back (`maxRetriesPerRequest: null`, as BullMQ
 *   requires of blocking connections); each Worker duplicates it for its blocking reads.
 *
 * On Sentinel both ask the sentinels for the primary on every (re)connect and listen for
 * `+switch-master` (`failoverDetector`), so after a failover they move to the promoted replica
 * instead of writing to a demoted one.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisConfig } from '../config/index.ts';

export type RedisConnection = Redis | Cluster;

export function createRedisConnection(config: RedisConfig, role: 'producer' | 'worker'): RedisConnection {
  const perRequest: RedisOptions =
    role === 'producer' ? { maxRetriesPerRequest: 1 } : { maxRetriesPerRequest: null };
  const offlineQueue = role === 'worker';
  let connection: RedisConnection;
  switch (config.topology) {
    case 'single':
      connection = new Redis(config.url, { ...perRequest, enableOfflineQueue: offlineQueue });
      break;
    case 'cluster': {
      const options: ClusterOptions = {
        enableOfflineQueue: offlineQueue,
        redisOptions: {
          ...perRequest,
          username: config.username,
          password: config.password,
          ...(config.tls ? { tls: {} } : {}),
        },
      };
      connection = new Cluster(
        config.nodes.map((n) => ({ host: n.host, port: n.port })),
        options,
      );
      break;
    }
    case 'sentinel':
      connection = new Redis({
        ...perRequest,
        enableOfflineQueue: offlineQueue,
        sentinels: config.sentinels.map((n) => ({ host: n.host, port: n.port })),
        name: config.name,
        username: config.username,
        password: config.password,
        sentinelPassword: config.sentinelPassword,
        failoverDetector: true,
        ...(config.tls ? { tls: {}, enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
      });
      break;
  }
  connection.on('error', () => {
    // ioredis reconnects by itself; the relay, workers and /readyz report the outage.
  });
  return connection;
}

/** Where the connection goes, for logs: never its credentials. */
export function describeRedis(config: RedisConfig): string {
  const list = (nodes: readonly { host: string; port: number }[]) =>
    nodes.map((n) => (n.host.includes(':') ? `[${n.host}]:${n.port}` : `${n.host}:${n.port}`)).join(',');
  switch (config.topology) {
    case 'single': {
      const url = new URL(config.url);
      return `redis ${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
    }
    case 'cluster':
      return `redis cluster ${list(config.nodes)}`;
    case 'sentinel':
      return `redis sentinel ${config.name} via ${list(config.sentinels)}`;
  }
}
