/**
 * The layering rules are enforced by lint; these tests prove the ESLint rules bite: the domain may
 * not import an I/O library, commands may not import adapters. The dependency-cruiser rules (layers,
 * workers, src/main, cycles) are proved in architecture-depcruise.test.ts.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../../', import.meta.url).pathname });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('architecture rules', () => {
  it.each(['express', '@slack/bolt', 'bullmq', 'ioredis', 'knex', 'pg', 'pdf-lib', 'bwip-js', 'node:fs'])(
    'src/domain may not import %s',
    async (library) => {
      const found = await problems(
        'src/domain/example.ts',
        `import x from '${library}';\nexport const y = x;\n`,
      );
      expect(found.some((p) => p.startsWith('no-restricted-imports'))).toBe(true);
    },
  );

  it('src/commands may not import the database or a transport', async () => {
    expect(
      await problems(
        'src/commands/example.ts',
        `import { createDb } from '../db/knex.ts';\nexport const y = createDb;\n`,
      ),
    ).toEqual([expect.stringMatching(/^no-restricted-imports/)]);
    expect(
      await problems('src/commands/example.ts', `import knex from 'knex';\nexport const y = knex;\n`),
    ).toEqual([expect.stringMatching(/^no-restricted-imports/)]);
  });

  it('allows pure imports in the domain', async () => {
    expect(
      await problems('src/domain/example.ts', `import { z } from 'zod';\nexport const y = z.string();\n`),
    ).toEqual([]);
  });
});
