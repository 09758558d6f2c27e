/**
 * The deployment files stay true: docker-compose.yml validates with the Compose client alone (no
 * engine needed), and its web, worker and migrate services run the same commands as the Procfile.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;

async function composeConfig(): Promise<string> {
  try {
    return (await run('docker', ['compose', '-f', 'docker-compose.yml', 'config'], { cwd: ROOT })).stdout;
  } catch {
    return (await run('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: ROOT })).stdout;
  }
}

describe('deployment files', () => {
  it('docker-compose.yml is valid and matches the Procfile', async () => {
    const config = await composeConfig();
    const procfile = Object.fromEntries(
      (await readFile(`${ROOT}Procfile`, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => line.split(/:\s+/, 2) as [string, string]),
    );
    expect(Object.keys(procfile).sort()).toEqual(['release', 'web', 'worker']);
    const command = (service: string) => {
      const block =
        new RegExp(`\\n  ${service}:\\n([\\s\\S]*?)(?=\\n  \\S|\\nvolumes:|$)`).exec(config)?.[1] ?? '';
      return [...block.matchAll(/^ {4}command:\n((?: {4}- .*\n?)+)/gm)][0]?.[1]
        ?.split('\n')
        .map((l) =>
          l
            .replace(/^ {4}- /, '')
            .trim()
            .replace(/^'|'$/g, ''),
        )
        .filter(Boolean)
        .join(' ');
    };
    expect(command('web')).toBe(procfile.web);
    expect(command('worker')).toBe(procfile.worker);
    expect(command('migrate')).toBe(procfile.release);
    for (const service of ['postgres', 'redis', 'migrate', 'web', 'worker'])
      expect(config).toContain(`\n  ${service}:\n`);
    expect(config).toMatch(/image: postgres:16/);
    expect(config).toMatch(/appendonly/);
  });
});
