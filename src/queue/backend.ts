/**
 * The one place that constructs BullMQ queues and workers. Two backends, one code path: with Redis
 * configured (one server, a Cluster or Sentinel: see ./redis.ts), BullMQ on Redis (the production
 * default); without it, BullMQ's built-in PostgreSQL
 * backend in the application's own database (schema `bullmq`), for a zero-install start.
 */
import {
  Queue,
  Worker,
  createPostgresBackend,
  createRedisBackend,
  type BackendFactory,
  type Processor,
  type QueueOptions,
  type RedisQueueBackend,
  type WorkerOptions,
} from 'bullmq';
import type { RedisConfig } from '../config/index.ts';
import { createRedisConnection } from './redis.ts';

export type QueueBackendConfig =
  | { kind: 'redis'; redis: RedisConfig; prefix: string }
  | {
      kind: 'postgres';
      url: string;
      schema?: string;
      /** Where claimOnce records its keys (shared by the processes): else this process's memory. */
      claimOnce?: (key: string, ttlMs: number) => Promise<boolean>;
    };

export interface QueueBackend {
  readonly kind: 'redis' | 'postgres';
  createQueue(name: string): Queue;
  createWorker(
    name: string,
    processor: Processor,
    options: {
      concurrency: number;
      lockDuration?: number;
      stalledInterval?: number;
      maxStalledCount?: number;
      settings?: WorkerOptions['settings'];
    },
  ): Worker;
  /** Round-trips to the backend; throws when it is unreachable. */
  ping(): Promise<void>;
  /**
   * Records `key` for `ttlMs` unless it is recorded already: true the first time. On Redis it is one
   * `SET NX PX`, shared by every process on the same Redis; the PostgreSQL backend records them
   * where its config's `claimOnce` does (the database, shared too), else in this process's memory.
   * Throws when the store is unreachable.
   */
  claimOnce(key: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export function createQueueBackend(config: QueueBackendConfig): QueueBackend {
  if (config.kind === 'redis') {
    // Producers fail fast while Redis is away (the outbox keeps what they could not hand over);
    // workers wait for it to come back. Each Worker duplicates its connection for blocking reads.
    // On a Redis Cluster the prefix is a hash tag (src/config), so every key of every queue, and
    // claimOnce's keys, hash to one slot: BullMQ's multi-key scripts run there unchanged.
    const producer = createRedisConnection(config.redis, 'producer');
    const consumer = createRedisConnection(config.redis, 'worker');
    const factory = createRedisBackend;
    return {
      kind: 'redis',
      createQueue: (name) => new Queue(name, { connection: producer, prefix: config.prefix }, factory),
      createWorker: (name, processor, options) =>
        new Worker(name, processor, { connection: consumer, prefix: config.prefix, ...options }, factory),
      async ping() {
        await producer.ping();
      },
      async claimOnce(key, ttlMs) {
        return (await producer.set(`${config.prefix}:${key}`, '1', 'PX', ttlMs, 'NX')) === 'OK';
      },
      async close() {
        for (const connection of [producer, consumer])
          await connection.quit().catch(() => connection.disconnect());
      },
    };
  }

  const connection = {
    connectionString: config.url,
    schema: config.schema ?? 'bullmq',
    migrate: true,
    max: 4,
  };
  // The PostgreSQL backend has the same classes and methods; only the connection type differs.
  const factory = createPostgresBackend as unknown as BackendFactory<RedisQueueBackend>;
  const asOptions = <T>(o: object) => o as T;
  const pingQueue = { current: undefined as Queue | undefined };
  const claims = localClaims();
  return {
    kind: 'postgres',
    createQueue: (name) => new Queue(name, asOptions<QueueOptions>({ connection }), factory),
    createWorker: (name, processor, options) =>
      new Worker(name, processor, asOptions<WorkerOptions>({ connection, ...options }), factory),
    async ping() {
      pingQueue.current ??= new Queue(
        'health',
        asOptions<QueueOptions>({ connection: { ...connection, max: 1 } }),
        factory,
      );
      await pingQueue.current.getJobCounts('waiting');
    },
    claimOnce: config.claimOnce ?? (async (key, ttlMs) => claims.claim(key, ttlMs)),
    async close() {
      await pingQueue.current?.close();
    },
  };
}

/** Keys claimed in this process's memory, each forgotten after its time to live. */
export function localClaims(now: () => number = Date.now): { claim(key: string, ttlMs: number): boolean } {
  const expiries = new Map<string, number>();
  return {
    claim(key, ttlMs) {
      const t = now();
      if (expiries.size > 10_000) for (const [k, until] of expiries) if (until <= t) expiries.delete(k);
      const until = expiries.get(key);
      if (until !== undefined && until > t) return false;
      expiries.set(key, t + ttlMs);
      return true;
    },
  };
}
