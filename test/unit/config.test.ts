import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../src/config/index.ts';

describe('configuration', () => {
  it('documents every variable it reads in the README table and .env.example', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    expect(CONFIG_VARIABLES.length).toBeGreaterThan(20);
    const table = readme.split('\n').filter((line) => line.startsWith('| `'));
    expect(
      CONFIG_VARIABLES.filter((name) => !table.some((row) => row.split(' | ')[0]!.includes(`\`${name}\``))),
    ).toEqual([]);
    expect(CONFIG_VARIABLES.filter((name) => !new RegExp(`^# ${name}=`, 'm').test(example))).toEqual([]);
  });

  it('has working defaults for a zero-install start', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redis).toBeUndefined();
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.pages.public).toBe(true);
    expect(loadConfig({ PAGES_PUBLIC: 'false' }).pages.public).toBe(false);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ PUBLIC_URL: 'ftp://example.com' }, 'PUBLIC_URL'],
    [{ SLACK_SOCKET_MODE: 'true' }, 'SLACK_APP_TOKEN'],
    [{ SLACK_SIGNING_SECRET: 'x' }, 'SLACK_BOT_TOKEN'],
    [{ SLACK_UNKNOWN_USER_ROLE: 'admin' }, 'SLACK_UNKNOWN_USER_ROLE'],
    [{ PAGES_PUBLIC: 'maybe' }, 'PAGES_PUBLIC'],
    [{ DATABASE_READ_URL: 'mysql://replica' }, 'DATABASE_READ_URL'],
    [{ DATABASE_READ_POOL_MAX: '0' }, 'DATABASE_READ_POOL_MAX'],
    [{ DATABASE_READ_MAX_LAG_MS: '50' }, 'DATABASE_READ_MAX_LAG_MS'],
    // The Web API client appends method names to it: https://slack.com/api/chat.postMessage
    [{ SLACK_API_URL: 'https://slack.com' }, 'SLACK_API_URL'],
    [{ SLACK_API_URL: 'http://127.0.0.1:9999/' }, 'SLACK_API_URL'],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN'],
  ])('stops with one line naming the variable for %o', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (error) {
      expect((error as Error).message).toMatch(new RegExp(`^configuration: ${variable}`));
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it("takes a read replica: none by default, its pool as the primary's unless set, 2 s of lag", () => {
    expect(loadConfig({}).readReplica).toBeUndefined();
    expect(loadConfig({ DATABASE_READ_URL: '' }).readReplica).toBeUndefined();
    const url = 'postgres://reader@replica:5432/buildtrace';
    expect(loadConfig({ DATABASE_READ_URL: url, DATABASE_POOL_MAX: '7' }).readReplica).toEqual({
      url,
      poolMax: 7,
      poolIdleMs: 300_000,
      maxLagMs: 2_000,
      preparedStatements: true,
    });
    expect(
      loadConfig({ DATABASE_READ_URL: url, DATABASE_READ_POOL_MAX: '30', DATABASE_READ_MAX_LAG_MS: '500' })
        .readReplica,
    ).toEqual({ url, poolMax: 30, poolIdleMs: 300_000, maxLagMs: 500, preparedStatements: true });
  });

  it('keeps an unused pooled connection 5 minutes unless DATABASE_POOL_IDLE_SECONDS says otherwise', () => {
    expect(loadConfig({}).databasePoolIdleMs).toBe(300_000);
    const url = 'postgres://reader@replica:5432/buildtrace';
    const config = loadConfig({ DATABASE_POOL_IDLE_SECONDS: '30', DATABASE_READ_URL: url });
    expect([config.databasePoolIdleMs, config.readReplica?.poolIdleMs]).toEqual([30_000, 30_000]);
    expect(() => loadConfig({ DATABASE_POOL_IDLE_SECONDS: '0' })).toThrow(/DATABASE_POOL_IDLE_SECONDS/);
  });

  it('prepares the hot statements unless DATABASE_PREPARED_STATEMENTS=false (a pooler that cannot keep them)', () => {
    expect(loadConfig({}).databasePreparedStatements).toBe(true);
    expect(loadConfig({ DATABASE_PREPARED_STATEMENTS: 'false' }).databasePreparedStatements).toBe(false);
    const url = 'postgres://reader@replica:5432/buildtrace';
    expect(
      loadConfig({ DATABASE_READ_URL: url, DATABASE_PREPARED_STATEMENTS: '0' }).readReplica
        ?.preparedStatements,
    ).toBe(false);
    expect(() => loadConfig({ DATABASE_PREPARED_STATEMENTS: 'maybe' })).toThrow(
      /DATABASE_PREPARED_STATEMENTS/,
    );
  });

  it('takes METRICS_TOKEN (unset: /metrics is open) and never repeats a refused one', () => {
    expect(loadConfig({}).metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: '' }).metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: 'a-scrape-token-0123' }).metricsToken).toBe('a-scrape-token-0123');
    expect(() => loadConfig({ METRICS_TOKEN: 'hunter2' })).toThrow(/^configuration: METRICS_TOKEN [^']*$/);
  });

  it('treats empty variables as unset and trims the public URL', () => {
    const config = loadConfig({ REDIS_URL: '', PUBLIC_URL: 'https://bt.example.com/', PORT: '8080' });
    expect(config.redis).toBeUndefined();
    expect(config.publicUrl).toBe('https://bt.example.com');
    expect(config.port).toBe(8080);
  });

  it('takes a SLACK_API_URL ending in /api, with or without the last slash', () => {
    expect(loadConfig({ SLACK_API_URL: 'https://slack.com/api' }).slack.apiUrl).toBe(
      'https://slack.com/api/',
    );
    expect(loadConfig({ SLACK_API_URL: 'http://127.0.0.1:9/api/' }).slack.apiUrl).toBe(
      'http://127.0.0.1:9/api/',
    );
  });

  it('documents that SLACK_API_URL ends in /api/', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const row = readme.split('\n').find((line) => line.startsWith('| `SLACK_API_URL`'))!;
    expect(row).toContain('/api/');
  });

  describe('Redis topology', () => {
    it('takes one server, a cluster or sentinels', () => {
      expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redis).toEqual({
        topology: 'single',
        url: 'redis://127.0.0.1:6379',
      });
      const cluster = loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b:7001,[::1]:7002' });
      expect(cluster.redis).toEqual({
        topology: 'cluster',
        nodes: [
          { host: '10.0.0.1', port: 7000 },
          { host: 'redis-b', port: 7001 },
          { host: '::1', port: 7002 },
        ],
        username: undefined,
        password: undefined,
        tls: false,
      });
      const sentinel = loadConfig({
        REDIS_SENTINELS: 's1:26379,s2:26379',
        REDIS_SENTINEL_NAME: 'mymaster',
        REDIS_PASSWORD: 'p',
        REDIS_SENTINEL_PASSWORD: 'sp',
        REDIS_TLS: 'true',
      });
      expect(sentinel.redis).toMatchObject({
        topology: 'sentinel',
        name: 'mymaster',
        password: 'p',
        sentinelPassword: 'sp',
        tls: true,
      });
    });

    it('makes the queue prefix a hash tag on a cluster, and refuses one that is not', () => {
      expect(loadConfig({}).queuePrefix).toBe('buildtrace');
      expect(loadConfig({ REDIS_CLUSTER_NODES: 'a:7000' }).queuePrefix).toBe('{buildtrace}');
      expect(loadConfig({ REDIS_CLUSTER_NODES: 'a:7000', QUEUE_PREFIX: '{bt}' }).queuePrefix).toBe('{bt}');
      // A hash tag works on one server and on Sentinel too: one prefix for every topology.
      expect(loadConfig({ REDIS_URL: 'redis://r:6379', QUEUE_PREFIX: '{bt}' }).queuePrefix).toBe('{bt}');
      expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'a:7000', QUEUE_PREFIX: 'bt' })).toThrow(
        /^configuration: QUEUE_PREFIX must be a hash tag such as \{bt\} on a Redis Cluster/,
      );
    });

    it.each([
      [{ REDIS_CLUSTER_NODES: 'a:7000,b' }, 'REDIS_CLUSTER_NODES'],
      [{ REDIS_CLUSTER_NODES: 'a:70000' }, 'REDIS_CLUSTER_NODES'],
      [{ REDIS_URL: 'redis://r:6379', REDIS_CLUSTER_NODES: 'a:7000' }, 'REDIS_URL and REDIS_CLUSTER_NODES'],
      [{ REDIS_SENTINELS: 's:26379' }, 'REDIS_SENTINEL_NAME is required'],
      [{ REDIS_URL: 'redis://r:6379', REDIS_PASSWORD: 'p' }, 'REDIS_PASSWORD is for'],
      [{ REDIS_URL: 'redis://r:6379', REDIS_TLS: 'yes' }, 'REDIS_TLS is for'],
      [{ QUEUE_PREFIX: 'a:b' }, 'QUEUE_PREFIX'],
      [{ QUEUE_PREFIX: '{a}b' }, 'QUEUE_PREFIX'],
    ])('refuses %o with one line', (env, start) => {
      expect(() => loadConfig(env)).toThrow(
        new RegExp(`^configuration: ${start.replace(/[{}]/g, '\\$&')}[^\n]*$`),
      );
    });

    it('never repeats a refused password', () => {
      expect(() =>
        loadConfig({
          REDIS_SENTINELS: 's:1',
          REDIS_SENTINEL_NAME: 'm',
          REDIS_PASSWORD: 42 as unknown as string,
        }),
      ).toThrow(/^configuration: REDIS_PASSWORD [^']*$/);
    });
  });
});

describe('the Slack app manifest', () => {
  const manifest = readFileSync(new URL('../../slack/manifest.yml', import.meta.url), 'utf8');
  const scopes = [...manifest.matchAll(/^\s+- ([a-z:.]+)\s*$/gm)].map((m) => m[1]);

  it('grants the history scopes the duplicate-post check needs in channels and in DMs (#15 item 8)', () => {
    for (const scope of ['channels:history', 'groups:history', 'im:history', 'mpim:history'])
      expect(scopes).toContain(scope);
  });

  it("enables App Home's messages tab for the direct messages sent to admins", () => {
    expect(manifest).toMatch(/app_home:\s*\n\s+home_tab_enabled: false\s*\n\s+messages_tab_enabled: true/);
  });

  it('is explained in docs/slack.md, direct messages to admins included', () => {
    const doc = readFileSync(new URL('../../docs/slack.md', import.meta.url), 'utf8');
    expect(doc).toContain('im:history');
    expect(doc).toMatch(/direct message/i);
    expect(doc).toContain('messages_tab_enabled');
  });
});
