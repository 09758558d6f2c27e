/**
 * The dependency-cruiser rules of `.dependency-cruiser.cjs` (run by `npm run lint` over src and
 * workers) bite: the repository's own configuration, cruised over a small fixture tree written to a
 * temporary directory, reports each upward import, library import and cycle planted there, and
 * nothing in the files that keep to the layers.
 */
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;

/** The fixture tree: path → source. Names say what each file does wrong, if anything. */
const FIXTURE: Record<string, string> = {
  'src/domain/pure.ts': `import { z } from 'zod';\nimport { other } from './other.ts';\nexport const pure = [z, other];\n`,
  'src/domain/other.ts': `export const other = 1;\n`,
  'src/domain/reads-db.ts': `import { db } from '../db/conn.ts';\nexport const x = db;\n`,
  'src/domain/uses-knex.ts': `import knex from 'knex';\nexport const x = knex;\n`,
  'src/domain/uses-worker.ts': `import { job } from '../../workers/job.ts';\nexport const x = job;\n`,
  'src/commands/good.ts': `import { pure } from '../domain/pure.ts';\nexport const good = pure;\n`,
  'src/commands/reads-db.ts': `import { db } from '../db/conn.ts';\nexport const x = db;\n`,
  'src/commands/uses-http.ts': `import { route } from '../http/route.ts';\nexport const x = route;\n`,
  'src/commands/uses-pg.ts': `import pg from 'pg';\nexport const x = pg;\n`,
  'src/db/conn.ts': `export const db = 1;\n`,
  'src/http/route.ts': `import { boot } from '../main/boot.ts';\nexport const route = boot;\n`,
  'src/main/boot.ts': `import { good } from '../commands/good.ts';\nexport const boot = good;\n`,
  'src/queue/a.ts': `import { b } from './b.ts';\nexport const a = () => b;\n`,
  'src/queue/b.ts': `import { a } from './a.ts';\nexport const b = () => a;\n`,
  'workers/job.ts': `export const job = 1;\nexport type Job = number;\n`,
  'workers/catalogue.ts': `export type JobName = 'a';\n`,
  'src/commands/port.ts': `export interface Port {\n  n: number;\n}\n`,
  'src/commands/runs-worker.ts': `import { job } from '../../workers/job.ts';\nexport const x = job;\n`,
  'src/commands/job-types.ts': `import type { JobName } from '../../workers/catalogue.ts';\nexport type X = JobName;\n`,
  'src/commands/other-job-types.ts': `import type { Job } from '../../workers/job.ts';\nexport type X = Job;\n`,
  'src/db/implements-port.ts': `import type { Port } from '../commands/port.ts';\nexport const p: Port = { n: 1 };\n`,
  'src/db/runs-command.ts': `import { good } from '../commands/good.ts';\nexport const x = good;\n`,
  'src/labels/uses-command.ts': `import type { Port } from '../commands/port.ts';\nexport type X = Port;\n`,
};

let dir: string;
let violations: { from: string; to: string; rule: string }[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bt-depcruise-'));
  for (const [path, source] of Object.entries(FIXTURE)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), source);
  }
  // Libraries resolve to the repository's own node_modules, as in the real tree.
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const options = await extractDepcruiseOptions(join(ROOT, '.dependency-cruiser.cjs'));
  delete options.tsConfig; // the fixture has none; its imports name their .ts files
  const { output } = await cruise(['src', 'workers'], { ...options, baseDir: dir });
  violations = (output as ICruiseResult).summary.violations.map((v) => ({
    from: v.from,
    to: v.to,
    rule: v.rule.name,
  }));
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const broken = (rule: string) =>
  violations
    .filter((v) => v.rule === rule)
    .map((v) => `${v.from} → ${v.to.replace(/^.*node_modules\//, 'node_modules/')}`)
    .sort();

describe('dependency-cruiser rules', () => {
  it('domain-is-pure: the domain imports neither another layer, a worker nor an I/O library', () => {
    expect(broken('domain-is-pure')).toEqual([
      'src/domain/reads-db.ts → src/db/conn.ts',
      expect.stringMatching(/^src\/domain\/uses-knex\.ts → node_modules\/knex\//),
      'src/domain/uses-worker.ts → workers/job.ts',
    ]);
  });

  it('commands-use-ports: commands import neither the database, a transport nor their libraries', () => {
    expect(broken('commands-use-ports')).toEqual([
      'src/commands/reads-db.ts → src/db/conn.ts',
      'src/commands/uses-http.ts → src/http/route.ts',
      expect.stringMatching(/^src\/commands\/uses-pg\.ts → node_modules\/pg\//),
    ]);
  });

  it('only-main-wires-processes: nothing outside src/main imports it', () => {
    expect(broken('only-main-wires-processes')).toEqual(['src/http/route.ts → src/main/boot.ts']);
  });

  it('no-circular: a cycle is reported, once', () => {
    expect(broken('no-circular')).toEqual([
      expect.stringMatching(/^src\/queue\/[ab]\.ts → src\/queue\/[ab]\.ts$/),
    ]);
  });

  it('adapters-only-implement-ports: an adapter may implement a port, never run a command', () => {
    expect(broken('adapters-only-implement-ports')).toEqual([
      'src/db/runs-command.ts → src/commands/good.ts',
    ]);
  });

  it('labels-below-commands: the label renderer imports nothing of the commands, not even types', () => {
    expect(broken('labels-below-commands')).toEqual(['src/labels/uses-command.ts → src/commands/port.ts']);
  });

  it('commands see of the workers only the job catalogue, and only its types', () => {
    expect(broken('commands-do-not-run-workers')).toEqual(['src/commands/runs-worker.ts → workers/job.ts']);
    expect(broken('commands-see-only-the-job-catalogue')).toEqual([
      'src/commands/other-job-types.ts → workers/job.ts',
      'src/commands/runs-worker.ts → workers/job.ts',
    ]);
  });

  it('reports nothing from the files that keep to the layers', () => {
    const clean = [
      'src/domain/pure.ts',
      'src/domain/other.ts',
      'src/commands/good.ts',
      'src/main/boot.ts',
      'src/db/implements-port.ts',
      'src/commands/job-types.ts',
    ];
    expect(violations.filter((v) => clean.includes(v.from))).toEqual([]);
  });
});
