/** Test data through the real commands, so factories never bypass a rule. */
import { randomBytes } from 'node:crypto';
import { execute } from '../src/commands/define.ts';
import { createLocation } from '../src/commands/locations.ts';
import { receiveStock } from '../src/commands/lots.ts';
import { createPart } from '../src/commands/parts.ts';
import { createProject } from '../src/commands/projects.ts';
import type { CommandDeps } from '../src/commands/define.ts';
import { SYSTEM_ACTOR } from '../src/domain/roles.ts';

const unique = () => randomBytes(4).toString('hex');

export function factories(deps: CommandDeps) {
  const run = <T>(command: Parameters<typeof execute>[1], input: unknown) =>
    execute(deps, command, SYSTEM_ACTOR, input) as Promise<T>;
  return {
    part: (overrides: Record<string, unknown> = {}) =>
      execute(deps, createPart, SYSTEM_ACTOR, {
        name: `Part ${unique()}`,
        mpn: `MPN-${unique()}`,
        ...overrides,
      }),
    location: (overrides: Record<string, unknown> = {}) =>
      execute(deps, createLocation, SYSTEM_ACTOR, { name: `Shelf ${unique()}`, ...overrides }),
    lot: async (overrides: Record<string, unknown> = {}) => {
      const part =
        overrides.part ?? (await execute(deps, createPart, SYSTEM_ACTOR, { name: `Part ${unique()}` })).code;
      return execute(deps, receiveStock, SYSTEM_ACTOR, {
        quantity: 100,
        supplier: 'Mouser',
        ...overrides,
        part,
      });
    },
    project: (overrides: Record<string, unknown> = {}) =>
      execute(deps, createProject, SYSTEM_ACTOR, { name: `Project ${unique()}`, ...overrides }),
    run,
  };
}
