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
