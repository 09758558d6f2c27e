/**
 * Configuration: read from the environment once, validated, frozen. A bad value stops the process
 * with one line naming the variable. Every variable is documented in README.md and .env.example.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseAllowList } from '../domain/webhook-addresses.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const emptyAsUndefined = (v: unknown) => (v === '' ? undefined : v);
const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());
const bool = (fallback: boolean) =>
  z.preprocess(
    emptyAsUndefined,
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .optional()
      .transform((v) => (v === undefined ? fallback : ['true', '1', 'yes'].includes(v))),
  );
const url = (protocols: string[]) =>
  z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .optional()
      .refine(
        (v) => {
          if (v === undefined) return true;
          try {
            return protocols.includes(new URL(v).protocol);
          } catch {
            return false;
          }
        },
        `must be a ${protocols.join(' or ')} URL`,
      ),
  );
/** `host:port,host:port` (an IPv6 address in brackets: `[::1]:7000`). */
const redisNodes = z.preprocess(
  emptyAsUndefined,
  z
    .string()
    .max(4000)
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const nodes: { host: string; port: number }[] = [];
      for (const part of v.split(',').map((s) => s.trim())) {
        const m = /^(?:\[([0-9a-fA-F:.]+)\]|([a-zA-Z0-9._-]+)):(\d{1,5})$/.exec(part);
        const port = Number(m?.[3]);
        if (!m || port < 1 || port > 65535) {
          ctx.addIssue({ code: 'custom', message: `'${part.slice(0, 80)}' is not host:port` });
          return z.NEVER;
        }
        nodes.push({ host: (m[1] ?? m[2])!, port });
      }
      return nodes;
    }),
);
const int = (fallback: number, min: number, max: number) =>
  z.preprocess(emptyAsUndefined, z.coerce.number().int().min(min).max(max).default(fallback));

const schema = z.object({
  NODE_ENV: z.preprocess(
    emptyAsUndefined,
    z.enum(['development', 'production', 'test']).default('development'),
  ),
  PORT: int(3000, 0, 65535),
  HOST: z.preprocess(emptyAsUndefined, z.string().default('0.0.0.0')),
  PUBLIC_URL: url(['http:', 'https:']),
  PAGES_PUBLIC: bool(true),
  PAGES_PUBLIC_LINKS: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .max(2_000)
      .optional()
      .transform((v, ctx) => {
        const links: { title: string; url: string }[] = [];
        for (const part of (v ?? '').split(/\s*,\s*(?=[^,|]+\|)/).filter((p) => p.trim() !== '')) {
          const [title, href] = part.split('|').map((s) => s.trim());
          let ok = false;
          try {
            ok = !!title && ['http:', 'https:'].includes(new URL(href ?? '').protocol);
          } catch {
            ok = false;
          }
          if (!ok || title!.length > 60) {
            ctx.addIssue({ code: 'custom', message: `'${part.slice(0, 80)}' is not "Title|https://…"` });
            return z.NEVER;
          }
          links.push({ title: title!, url: href! });
        }
        return links;
      }),
  ),
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  DATABASE_POOL_MAX: int(10, 1, 200),
  DATABASE_POOL_IDLE_SECONDS: int(300, 1, 86_400),
  DATABASE_READ_URL: url(['postgres:', 'postgresql:']),
  DATABASE_READ_POOL_MAX: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(200).optional()),
  DATABASE_READ_MAX_LAG_MS: int(2_000, 200, 600_000),
  DATABASE_PREPARED_STATEMENTS: bool(true),
  REDIS_URL: url(['redis:', 'rediss:']),
  REDIS_CLUSTER_NODES: redisNodes,
  REDIS_SENTINELS: redisNodes,
  REDIS_SENTINEL_NAME: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^[a-zA-Z0-9._-]{1,100}$/)
      .optional(),
  ),
  REDIS_USERNAME: optionalString,
  REDIS_PASSWORD: optionalString,
  REDIS_SENTINEL_PASSWORD: optionalString,
  REDIS_TLS: bool(false),
  // A name, or a Redis Cluster hash tag: `{name}`.
  QUEUE_PREFIX: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(
        /^(?:[a-zA-Z0-9_-]{1,40}|\{[a-zA-Z0-9_-]{1,40}\})$/,
        'must be a name or a hash tag such as {buildtrace}',
      )
      .optional(),
  ),
  DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default('.buildtrace')),
  STORAGE_DIR: optionalString,
  EMBEDDED_PG_PORT: int(54329, 1, 65535),
  WORKER_CONCURRENCY: int(4, 1, 100),
  METRICS_PORT: int(9464, 0, 65535),
  METRICS_TOKEN: z.preprocess(
    emptyAsUndefined,
    z.string().min(16, 'must be at least 16 characters').max(200).optional(),
  ),
  SHUTDOWN_GRACE_MS: int(30_000, 0, 600_000),
  RATE_LIMIT_PER_MINUTE: int(1200, 0, 1_000_000),
  SLACK_RATE_LIMIT_PER_MINUTE: int(600, 0, 1_000_000),
  JOB_LOCK_MS: int(30_000, 1_000, 600_000),
  JOB_ATTEMPTS: int(8, 1, 100),
  JOB_BACKOFF_MS: int(1_000, 10, 3_600_000),
  RECONCILE_INTERVAL_MS: int(30_000, 1_000, 3_600_000),
  RECONCILE_GRACE_MS: int(10_000, 0, 3_600_000),
  RECONCILE_MAX_REDRIVES: int(3, 0, 1_000),
  GENERATION_CHUNK_SIZE: int(5_000, 1, 50_000),
  PRINT_SLICE_MS: int(20_000, 100, 600_000),
  PRINT_LEASE_MS: int(20_000, 1_000, 600_000),
  PRINTER_WATCH_MS: int(5_000, 100, 3_600_000),
  LOG_LEVEL: z.preprocess(emptyAsUndefined, z.enum(LOG_LEVELS).default('info')),
  LOG_FORMAT: z.preprocess(emptyAsUndefined, z.enum(['pretty', 'json']).optional()),
  WEBHOOK_ALLOW_LIST: z.preprocess(emptyAsUndefined, z.string().max(4000).optional()),
  WEBHOOK_TIMEOUT_MS: int(10_000, 100, 60_000),
  WEBHOOK_CONCURRENCY: int(50, 1, 1_000),
  WEBHOOK_RETRY_DELAYS_MS: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^\d{1,9}(,\d{1,9}){0,19}$/, 'must be a comma-separated list of milliseconds')
      .optional(),
  ),
  ATTACHMENT_MAX_BYTES: int(25_000_000, 1, 5_000_000_000),
  ATTACHMENT_STORE: z.preprocess(emptyAsUndefined, z.enum(['local', 's3']).default('local')),
  S3_ENDPOINT: url(['http:', 'https:']),
  S3_REGION: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^[a-z0-9-]{1,40}$/)
      .default('us-east-1'),
  ),
  S3_BUCKET: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')
      .optional(),
  ),
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  S3_PREFIX: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^([A-Za-z0-9!_.*'()-]+\/)*$/, "must be empty or end with '/', e.g. buildtrace/")
      .default(''),
  ),
  S3_FORCE_PATH_STYLE: bool(true),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_BOT_TOKEN: optionalString,
  SLACK_APP_TOKEN: optionalString,
  SLACK_SOCKET_MODE: bool(false),
  // The Web API client appends method names to it (`…/api/chat.postMessage`): without the `/api/`
  // path every call would go astray.
  SLACK_API_URL: url(['http:', 'https:']).refine(
    (v) => v === undefined || /\/api\/?$/.test(new URL(v).pathname),
    'must end in /api/, e.g. https://slack.com/api/',
  ),
  SLACK_UNKNOWN_USER_ROLE: z.preprocess(
    emptyAsUndefined,
    z.enum(['none', 'viewer', 'operator']).default('viewer'),
  ),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** Base URL printed in labels' 2D codes: `<publicUrl>/id/<code>`. */
  publicUrl: string;
  pages: {
    /** Whether `/id/<code>` pages open without an API token (false: Basic auth password or Bearer token). */
    public: boolean;
    /** `PAGES_PUBLIC_LINKS`: what a stranger who scans a device also sees (support, warranty…). */
    publicLinks: readonly { title: string; url: string }[];
  };
  /** undefined = start an embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | undefined;
  databasePoolMax: number;
  /** `DATABASE_POOL_IDLE_SECONDS`, in ms: how long an unused pooled connection is kept (both pools). */
  databasePoolIdleMs: number;
  /**
   * `DATABASE_PREPARED_STATEMENTS`: the hot statements as named prepared statements (default true;
   * false behind a pooler that cannot keep them, such as PgBouncer in transaction mode before 1.21).
   */
  databasePreparedStatements: boolean;
  /**
   * A streaming replica for reads that may lag (`DATABASE_READ_URL`, undefined: none): its pool
   * size, and how far behind the primary it may be and still be read (further: reads go to the
   * primary until it catches up). See README "Read replica".
   */
  readReplica:
    | { url: string; poolMax: number; poolIdleMs: number; maxLagMs: number; preparedStatements: boolean }
    | undefined;
  /** undefined = BullMQ's PostgreSQL backend in the same database. */
  redis: RedisConfig | undefined;
  /** BullMQ's key prefix; a hash tag (`{buildtrace}`) on a Redis Cluster. */
  queuePrefix: string;
  dataDir: string;
  storageDir: string;
  embeddedPgPort: number;
  workerConcurrency: number;
  /** How long a job's lock lasts; a worker that dies is noticed (and its job retried) after about this long. */
  jobLockMs: number;
  /** Attempts of a job before it fails for good, and the first delay of its exponential backoff. */
  jobs: { attempts: number; backoffMs: number };
  /**
   * The reconciler: how often it compares the work in flight with the queue, how old work must be
   * before it is looked at, and how many times a subject is redriven without progress before it is
   * settled.
   */
  reconciler: { intervalMs: number; graceMs: number; maxRedrives: number };
  /**
   * Printing: how long one `labels.print` job sends batches before handing the run to a fresh job,
   * how long its lease on the run lasts without renewal (a killed worker's run waits this long),
   * and how often the printer watch asks the printers of paused runs whether they are ready.
   */
  printing: { sliceMs: number; leaseMs: number; watchMs: number };
  /** Port of a worker process's /metrics, /healthz and /readyz (0: none). The web process serves them on PORT. */
  metricsPort: number;
  /** When set, /metrics (web and worker) answers only `Authorization: Bearer <metricsToken>`, 401 otherwise. */
  metricsToken: string | undefined;
  /** How long running jobs may take to finish on SIGTERM before they are left to be retried. */
  shutdownGraceMs: number;
  /** Requests per minute per API token (or address without one); 0: no limit. */
  rateLimitPerMinute: number;
  /** Slack requests per minute per sending address; 0: no limit. */
  slackRateLimitPerMinute: number;
  /** Units written per transaction when generating a tracked build. */
  generationChunkSize: number;
  log: { level: (typeof LOG_LEVELS)[number]; format: 'pretty' | 'json' };
  webhooks: {
    /** Hosts, IPs or CIDR blocks webhooks may reach although they are not public (on-premises receivers, tests). */
    allowList: string[];
    timeoutMs: number;
    /** Jobs of the webhooks queue a worker process runs at once (deliveries mostly wait on the network). */
    concurrency: number;
    /** Delays before attempts 2, 3 …; undefined = the standard schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h). */
    retryDelaysMs: number[] | undefined;
  };
  attachments: {
    /** Largest upload accepted; larger ones are answered 413 and nothing is kept. */
    maxBytes: number;
    /** `local`: under `$STORAGE_DIR/attachments`; `s3`: an S3-compatible bucket. */
    store: 'local' | 's3';
    s3:
      | {
          endpoint: string;
          region: string;
          bucket: string;
          accessKeyId: string;
          secretAccessKey: string;
          prefix: string;
          forcePathStyle: boolean;
        }
      | undefined;
  };
  slack: {
    signingSecret: string | undefined;
    botToken: string | undefined;
    appToken: string | undefined;
    socketMode: boolean;
    /** Web API base URL, ending in `/` (undefined: Slack's). */
    apiUrl: string | undefined;
    /** The role of a Slack user who is not in the slack_users table; `none` refuses them. */
    unknownUserRole: 'none' | 'viewer' | 'operator';
  };
}

/**
 * Where Redis is: one server (`REDIS_URL`), a Redis Cluster (`REDIS_CLUSTER_NODES`, any nodes of it:
 * the client discovers the rest) or a primary found through Redis Sentinel (`REDIS_SENTINELS`,
 * `REDIS_SENTINEL_NAME`). Credentials and TLS of a cluster's or a sentinel-managed server's nodes
 * come from `REDIS_USERNAME`, `REDIS_PASSWORD` and `REDIS_TLS`; a single server's are in its URL.
 */
export type RedisConfig =
  | { topology: 'single'; url: string }
  | {
      topology: 'cluster';
      nodes: readonly RedisNode[];
      username: string | undefined;
      password: string | undefined;
      tls: boolean;
    }
  | {
      topology: 'sentinel';
      sentinels: readonly RedisNode[];
      /** The primary's name as the sentinels know it (`sentinel monitor <name> …`). */
      name: string;
      username: string | undefined;
      password: string | undefined;
      /** The sentinels' own password (`requirepass` in sentinel.conf), if they have one. */
      sentinelPassword: string | undefined;
      tls: boolean;
    };

export interface RedisNode {
  host: string;
  port: number;
}

export class ConfigError extends Error {}

type Parsed = z.infer<typeof schema>;

function redisConfig(e: Parsed): RedisConfig | undefined {
  const given = (['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'] as const).filter((v) => e[v]);
  if (given.length > 1)
    throw new ConfigError(
      `configuration: ${given.join(' and ')} are set; set one of them (one Redis topology)`,
    );
  const credentials = { username: e.REDIS_USERNAME, password: e.REDIS_PASSWORD, tls: e.REDIS_TLS };
  if (e.REDIS_CLUSTER_NODES) return { topology: 'cluster', nodes: e.REDIS_CLUSTER_NODES, ...credentials };
  if (e.REDIS_SENTINELS) {
    if (!e.REDIS_SENTINEL_NAME)
      throw new ConfigError(
        "configuration: REDIS_SENTINEL_NAME is required when REDIS_SENTINELS is set (the primary's name in the sentinels' `sentinel monitor`)",
      );
    return {
      topology: 'sentinel',
      sentinels: e.REDIS_SENTINELS,
      name: e.REDIS_SENTINEL_NAME,
      sentinelPassword: e.REDIS_SENTINEL_PASSWORD,
      ...credentials,
    };
  }
  for (const v of [
    'REDIS_USERNAME',
    'REDIS_PASSWORD',
    'REDIS_SENTINEL_PASSWORD',
    'REDIS_SENTINEL_NAME',
  ] as const)
    if (e[v])
      throw new ConfigError(
        `configuration: ${v} is for REDIS_CLUSTER_NODES or REDIS_SENTINELS${e.REDIS_URL ? '; a single server takes its credentials in REDIS_URL (redis://user:password@host:port)' : ', and neither is set'}`,
      );
  if (e.REDIS_TLS && e.REDIS_URL)
    throw new ConfigError(
      'configuration: REDIS_TLS is for REDIS_CLUSTER_NODES or REDIS_SENTINELS; a single server takes TLS as a rediss:// REDIS_URL',
    );
  return e.REDIS_URL ? { topology: 'single', url: e.REDIS_URL } : undefined;
}

/**
 * BullMQ's scripts touch several keys of a queue at once; a Redis Cluster runs them only when all of
 * them hash to one slot, which a prefix that is a hash tag (`{buildtrace}`) guarantees.
 */
function queuePrefix(prefix: string | undefined, redis: RedisConfig | undefined): string {
  if (redis?.topology !== 'cluster') return prefix ?? 'buildtrace';
  if (prefix === undefined) return '{buildtrace}';
  if (!/^\{.+\}$/.test(prefix))
    throw new ConfigError(
      `configuration: QUEUE_PREFIX must be a hash tag such as {${prefix}} on a Redis Cluster (REDIS_CLUSTER_NODES is set): BullMQ's scripts touch several keys of a queue at once, and a cluster runs them only when every key is in one hash slot (got '${prefix}')`,
    );
  return prefix;
}

function webhookAllowList(value: string | undefined): string[] {
  const entries = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  try {
    parseAllowList(entries);
  } catch (error) {
    throw new ConfigError(`configuration: WEBHOOK_ALLOW_LIST ${(error as Error).message}`);
  }
  return entries;
}

/** Every environment variable the configuration reads (README's table documents each one). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const variable = String(issue.path[0]);
    // A secret's value is not repeated into the logs.
    const secret = /TOKEN|SECRET|KEY|PASSWORD/.test(variable);
    const shown =
      env[variable] === undefined || secret ? '' : ` (got '${String(env[variable]).slice(0, 60)}')`;
    throw new ConfigError(
      `configuration: ${variable} ${issue.message.replace(/^Invalid input: /, '')}${shown}`,
    );
  }
  const e = result.data;
  if (e.SLACK_SOCKET_MODE && !e.SLACK_APP_TOKEN) {
    throw new ConfigError('configuration: SLACK_APP_TOKEN is required when SLACK_SOCKET_MODE is true');
  }
  if ((e.SLACK_SOCKET_MODE || e.SLACK_SIGNING_SECRET) && !e.SLACK_BOT_TOKEN) {
    throw new ConfigError(
      `configuration: SLACK_BOT_TOKEN is required when ${e.SLACK_SOCKET_MODE ? 'SLACK_SOCKET_MODE is true' : 'SLACK_SIGNING_SECRET is set'}`,
    );
  }
  if (e.ATTACHMENT_STORE === 's3') {
    for (const name of ['S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const)
      if (!e[name]) throw new ConfigError(`configuration: ${name} is required when ATTACHMENT_STORE is s3`);
  }
  const redis = redisConfig(e);
  const dataDir = resolve(e.DATA_DIR);
  const port = e.PORT;
  return Object.freeze({
    env: e.NODE_ENV,
    port,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    pages: Object.freeze({ public: e.PAGES_PUBLIC, publicLinks: Object.freeze(e.PAGES_PUBLIC_LINKS) }),
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    databasePoolIdleMs: e.DATABASE_POOL_IDLE_SECONDS * 1000,
    databasePreparedStatements: e.DATABASE_PREPARED_STATEMENTS,
    readReplica: e.DATABASE_READ_URL
      ? Object.freeze({
          url: e.DATABASE_READ_URL,
          poolMax: e.DATABASE_READ_POOL_MAX ?? e.DATABASE_POOL_MAX,
          poolIdleMs: e.DATABASE_POOL_IDLE_SECONDS * 1000,
          maxLagMs: e.DATABASE_READ_MAX_LAG_MS,
          preparedStatements: e.DATABASE_PREPARED_STATEMENTS,
        })
      : undefined,
    redis: redis && Object.freeze(redis),
    queuePrefix: queuePrefix(e.QUEUE_PREFIX, redis),
    dataDir,
    storageDir: resolve(e.STORAGE_DIR ?? `${dataDir}/files`),
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    workerConcurrency: e.WORKER_CONCURRENCY,
    jobLockMs: e.JOB_LOCK_MS,
    jobs: Object.freeze({ attempts: e.JOB_ATTEMPTS, backoffMs: e.JOB_BACKOFF_MS }),
    reconciler: Object.freeze({
      intervalMs: e.RECONCILE_INTERVAL_MS,
      graceMs: e.RECONCILE_GRACE_MS,
      maxRedrives: e.RECONCILE_MAX_REDRIVES,
    }),
    printing: Object.freeze({
      sliceMs: e.PRINT_SLICE_MS,
      leaseMs: e.PRINT_LEASE_MS,
      watchMs: e.PRINTER_WATCH_MS,
    }),
    metricsPort: e.METRICS_PORT,
    metricsToken: e.METRICS_TOKEN,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    slackRateLimitPerMinute: e.SLACK_RATE_LIMIT_PER_MINUTE,
    generationChunkSize: e.GENERATION_CHUNK_SIZE,
    log: { level: e.LOG_LEVEL, format: e.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json') },
    webhooks: Object.freeze({
      allowList: webhookAllowList(e.WEBHOOK_ALLOW_LIST),
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      concurrency: e.WEBHOOK_CONCURRENCY,
      retryDelaysMs: e.WEBHOOK_RETRY_DELAYS_MS?.split(',').map(Number),
    }),
    attachments: Object.freeze({
      maxBytes: e.ATTACHMENT_MAX_BYTES,
      store: e.ATTACHMENT_STORE,
      s3:
        e.ATTACHMENT_STORE === 's3'
          ? Object.freeze({
              endpoint: e.S3_ENDPOINT ?? `https://s3.${e.S3_REGION}.amazonaws.com`,
              region: e.S3_REGION,
              bucket: e.S3_BUCKET!,
              accessKeyId: e.S3_ACCESS_KEY_ID!,
              secretAccessKey: e.S3_SECRET_ACCESS_KEY!,
              prefix: e.S3_PREFIX,
              forcePathStyle: e.S3_FORCE_PATH_STYLE,
            })
          : undefined,
    }),
    slack: Object.freeze({
      signingSecret: e.SLACK_SIGNING_SECRET,
      botToken: e.SLACK_BOT_TOKEN,
      appToken: e.SLACK_APP_TOKEN,
      socketMode: e.SLACK_SOCKET_MODE,
      apiUrl: e.SLACK_API_URL?.replace(/\/*$/, '/'),
      unknownUserRole: e.SLACK_UNKNOWN_USER_ROLE,
    }),
  });
}
