import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.ts';

describe('configuration', () => {
  it('has working defaults for a zero-install start', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
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
  ])('stops with one line naming the variable for %o', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (error) {
      expect((error as Error).message).toMatch(new RegExp(`^configuration: ${variable}`));
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('treats empty variables as unset and trims the public URL', () => {
    const config = loadConfig({ REDIS_URL: '', PUBLIC_URL: 'https://bt.example.com/', PORT: '8080' });
    expect(config.redisUrl).toBeUndefined();
    expect(config.publicUrl).toBe('https://bt.example.com');
    expect(config.port).toBe(8080);
  });
});
