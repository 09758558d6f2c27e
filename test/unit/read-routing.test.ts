/**
 * Where `execute` sends a read (README "Read replica"): to the unit of work's `readMayLag` only in a
 * request's read scope that has not written, for commands that declare `reads: 'replica'`, or for
 * any read the transport said may lag (the pages) unless pinned to the primary.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Repositories, UnitOfWork } from '../../src/commands/ports.ts';
import { defineCommand, execute } from '../../src/commands/define.ts';
import { SYSTEM_ACTOR } from '../../src/domain/roles.ts';
import { noteWrite, setReplicaReads, withReplicaReads } from '../../src/request-context.ts';

const read = (reads?: 'replica' | 'primary') =>
  defineCommand({
    name: 'probe',
    summary: 'probe',
    role: 'viewer',
    mode: 'read',
    ...(reads ? { reads } : {}),
    input: z.strictObject({}),
    run: async () => 'read',
  });
const DECLARED = read('replica');
const PINNED = read('primary');
const PLAIN = read();

/** A unit of work that says which of its doors a command went through. */
function recording(withReplica = true): { uow: UnitOfWork; used: string[] } {
  const used: string[] = [];
  const repos = {} as Repositories;
  const uow: UnitOfWork = {
    transaction: (work) => (used.push('transaction'), work(repos)),
    read: (work) => (used.push('primary'), work(repos)),
    ...(withReplica
      ? { readMayLag: <T>(work: (r: Repositories) => Promise<T>) => (used.push('may lag'), work(repos)) }
      : {}),
  };
  return { uow, used };
}

const where = async (command: ReturnType<typeof read>, uow: UnitOfWork) => {
  await execute({ uow }, command, SYSTEM_ACTOR, {});
};

describe('which reads may use the replica', () => {
  it('none outside a request (jobs, the CLI, the reconciler)', async () => {
    const { uow, used } = recording();
    for (const command of [DECLARED, PINNED, PLAIN]) await where(command, uow);
    expect(used).toEqual(['primary', 'primary', 'primary']);
  });

  it('in a request: those that declare it', async () => {
    const { uow, used } = recording();
    await withReplicaReads(async () => {
      for (const command of [DECLARED, PINNED, PLAIN]) await where(command, uow);
    });
    expect(used).toEqual(['may lag', 'primary', 'primary']);
  });

  it('on the pages: every read but those pinned to the primary', async () => {
    const { uow, used } = recording();
    await withReplicaReads(async () => {
      setReplicaReads({ all: true });
      for (const command of [DECLARED, PINNED, PLAIN]) await where(command, uow);
    });
    expect(used).toEqual(['may lag', 'primary', 'may lag']);
  });

  it('none after the request wrote, or when its reader must see their own writes (bt_fresh)', async () => {
    const { uow, used } = recording();
    await withReplicaReads(async () => {
      setReplicaReads({ all: true });
      await where(DECLARED, uow);
      noteWrite();
      await where(DECLARED, uow);
      await where(PLAIN, uow);
    });
    await withReplicaReads(async () => {
      setReplicaReads({ all: true, fresh: true });
      await where(PLAIN, uow);
    });
    expect(used).toEqual(['may lag', 'primary', 'primary', 'primary']);
  });

  it('one request writing does not make another read the primary', async () => {
    const { uow, used } = recording();
    let wrote!: () => void;
    const written = new Promise<void>((r) => (wrote = r));
    await Promise.all([
      withReplicaReads(async () => {
        noteWrite();
        wrote();
      }),
      withReplicaReads(async () => {
        await written;
        await where(DECLARED, uow);
      }),
    ]);
    expect(used).toEqual(['may lag']);
  });

  it('a unit of work without a replica door reads the primary', async () => {
    const { uow, used } = recording(false);
    await withReplicaReads(() => where(DECLARED, uow));
    expect(used).toEqual(['primary']);
  });
});
