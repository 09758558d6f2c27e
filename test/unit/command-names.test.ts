/**
 * One name per use case: every command is exported under the name it is registered with (the name
 * the API reference, the logs and the metrics use), and no two commands share a name.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const COMMANDS = new URL('../../src/commands/', import.meta.url).pathname;

const isCommand = (value: unknown): value is { name: string; run: unknown; input: unknown; role: unknown } =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { name?: unknown }).name === 'string' &&
  typeof (value as { run?: unknown }).run === 'function' &&
  'input' in value &&
  'role' in value;

describe('command names', () => {
  it('each command is exported under its registered name, and each name is one command', async () => {
    const files = (readdirSync(COMMANDS, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
    const mismatched: string[] = [];
    const byName = new Map<string, unknown>();
    for (const file of files) {
      const module = (await import(pathToFileURL(join(COMMANDS, file)).href)) as Record<string, unknown>;
      for (const [exported, value] of Object.entries(module)) {
        if (!isCommand(value)) continue;
        if (exported !== value.name) mismatched.push(`${file}: ${exported} is registered as ${value.name}`);
        const seen = byName.get(value.name);
        if (seen !== undefined && seen !== value)
          mismatched.push(`${file}: a second command named ${value.name}`);
        byName.set(value.name, value);
      }
    }
    expect(mismatched).toEqual([]);
    expect(byName.size).toBeGreaterThan(80);
  });
});
