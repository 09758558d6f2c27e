/**
 * Where the rate limits count: in a store every web process shares, so that N processes give a
 * caller one budget, not N. With Redis (REDIS_URL) the queue's Redis, under the queue's prefix
 * (rate-limit-redis: one Lua script per hit); without it the application's PostgreSQL (table
 * `rate_limit_counts`, see src/db/rate-limit-counts.ts).
 *
 * While the shared store cannot be reached (or does not answer within {@link STORE_TIMEOUT_MS}),
 * the limits fail open to this process's own counts: each process then enforces the budget alone,
 * as before there was a shared store, so a caller gets at most N budgets for the outage, never an
 * unlimited one — and the API stays up, which refusing every request (failing closed) would not.
 * The outage is logged once a minute and counted in `buildtrace_rate_limit_store_errors_total`.
 */
import {
  MemoryStore,
  type ClientRateLimitInfo,
  type IncrementResponse,
  type Options,
  type Store,
} from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { RedisConfig } from '../config/index.ts';
import { createRedisConnection, type RedisConnection } from '../queue/redis.ts';
import type { RateLimitCounts } from '../db/rate-limit-counts.ts';
import type { Logger } from '../logger.ts';
import { withTimeout } from '../timeout.ts';

/** Longest wait for the shared store before a request is counted in this process instead. */
export const STORE_TIMEOUT_MS = 500;
const WARN_EVERY_MS = 60_000;

/** The rate limits' counts: one store per limiter, all in one place shared by the web processes. */
export interface RateLimitStores {
  readonly kind: 'redis' | 'postgres';
  /** A store of its own for one limiter: `name` keeps its keys apart from the other limiters'. */
  store(name: string): Store;
  close(): Promise<void>;
}

/**
 * The counts in the queue's Redis (one server, a cluster or behind Sentinel), keys `<prefix>:rl:<limiter>:<key>` (expiring with their window),
 * over one connection of its own, opened by the first limiter (a worker or the CLI opens none).
 */
export function redisRateLimitStores(config: RedisConfig, prefix: string): RateLimitStores {
  let connection: { redis: RedisConnection; opened: Promise<unknown> } | undefined;
  const connect = () => {
    if (connection) return connection;
    // While Redis is away commands fail at once rather than queue: the limits then count locally.
    const redis = createRedisConnection(config, 'producer');
    redis.on('error', () => {
      // ioredis reconnects by itself; the limits report the outage when they count.
    });
    // Only the first connection is waited for (a web process's first requests); after it, never.
    const opened = new Promise((resolve) => {
      redis.once('ready', resolve);
      redis.once('error', resolve);
    });
    return (connection = { redis, opened });
  };
  return {
    kind: 'redis',
    store(name) {
      const { redis, opened } = connect();
      return new ReloadingRedisStore({
        prefix: `${prefix}:rl:${name}:`,
        sendCommand: async (command: string, ...args: string[]) => {
          await opened;
          return redis.call(command, ...args) as Promise<RedisReply>;
        },
      });
    },
    async close() {
      const redis = connection?.redis;
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}

/**
 * rate-limit-redis loads its scripts once, when the limiter is built: a web process started while
 * Redis is away (or before its connection is up) would keep the failed load forever. Here a failed
 * load is tried again at the next hit.
 */
class ReloadingRedisStore extends RedisStore {
  override async init(options: Options): Promise<void> {
    this.windowMs = options.windowMs;
    this.incrementScriptSha = quiet(this.loadIncrementScript());
    this.getScriptSha = quiet(this.loadGetScript());
  }

  override async increment(key: string): Promise<IncrementResponse> {
    if (await failed(this.incrementScriptSha)) this.incrementScriptSha = quiet(this.loadIncrementScript());
    return super.increment(key);
  }

  override async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    if (await failed(this.getScriptSha)) this.getScriptSha = quiet(this.loadGetScript());
    const info = await super.get(key);
    // No key: no window running (the script answers a count of 0 and a negative time to live).
    return info && info.totalHits > 0 ? info : undefined;
  }
}

/** The promise, with its rejection marked handled (it is awaited, and reported, when used). */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
const failed = (promise: Promise<unknown>) =>
  promise.then(
    () => false,
    () => true,
  );

/** The counts in PostgreSQL (see {@link RateLimitCounts}, which also sweeps ended windows). */
export function postgresRateLimitStores(counts: RateLimitCounts): RateLimitStores {
  return {
    kind: 'postgres',
    store(name) {
      let windowMs = 60_000;
      const k = (key: string) => `rl:${name}:${key}`;
      const info = ({ hits, resetsAt }: { hits: number; resetsAt: Date }) => ({
        totalHits: hits,
        resetTime: resetsAt,
      });
      return {
        prefix: `${name}:`,
        localKeys: false,
        init(options) {
          windowMs = options.windowMs;
        },
        increment: async (key) => info(await counts.hit(k(key), windowMs)),
        get: async (key) => {
          const found = await counts.get(k(key));
          return found && info(found);
        },
        decrement: (key) => counts.unhit(k(key)),
        resetKey: (key) => counts.reset(k(key)),
      } satisfies Store;
    },
    // The counts use the application's database pool, closed with it.
    async close() {},
  };
}

export interface StoreOutage {
  log: Logger;
  /** Counts a call the shared store failed (or did not answer in time), by limiter. */
  failed(limiter: string): void;
}

/**
 * `shared`, failing open to this process's own counts while it cannot be reached: see the module's
 * comment. A hit counted here during an outage is not carried over to the shared store.
 */
export function sharedOrLocal(shared: Store, name: string, outage: StoreOutage): Store {
  const local = new MemoryStore();
  let warnedAt = 0;
  const fallBack = (error: unknown) => {
    outage.failed(name);
    if (Date.now() - warnedAt > WARN_EVERY_MS) {
      warnedAt = Date.now();
      outage.log.warn(
        { err: error, limiter: name },
        "the rate limits' shared store is unreachable: counting in this process only",
      );
    }
  };
  const within = <T>(work: Promise<T> | T) =>
    withTimeout(Promise.resolve(work), STORE_TIMEOUT_MS, `no answer within ${STORE_TIMEOUT_MS} ms`);
  return {
    prefix: `${name}:`,
    localKeys: false,
    async init(options) {
      local.init(options);
      // A failed start (the store unreachable now) shows at the first hit, and is tried again then.
      await Promise.resolve(shared.init?.(options)).catch(() => undefined);
    },
    async increment(key) {
      try {
        return await within(shared.increment(key));
      } catch (error) {
        fallBack(error);
        return local.increment(key);
      }
    },
    async get(key) {
      try {
        return await within(shared.get?.(key));
      } catch (error) {
        fallBack(error);
        return local.get(key);
      }
    },
    async decrement(key) {
      await within(shared.decrement(key)).catch(() => undefined);
      await local.decrement(key);
    },
    async resetKey(key) {
      await within(shared.resetKey(key)).catch(() => undefined);
      await local.resetKey(key);
    },
    shutdown() {
      local.shutdown();
    },
  };
}
