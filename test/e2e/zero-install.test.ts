/**
 * The zero-install mode as a newcomer gets it: no DATABASE_URL, no REDIS_URL. `npm start`'s entry
 * point starts an embedded PostgreSQL, migrates, runs BullMQ on PostgreSQL, serves the API; the CLI
 * (in another process) shares the embedded server to create a token and seed the demo; a request
 * through the API and an event through the worker both work; the demo's two-level tracked build and
 * a label PDF come out as a newcomer would get them. It is started as the README says, `npm start`:
 * the processes run the compiled JavaScript (no TypeScript loader, no esbuild), a JSON-mode log is
 * JSON line by line, and SIGTERM to the npm process stops everything cleanly.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.ts';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;

let dataDir: string;
let app: ChildProcess;
let env: NodeJS.ProcessEnv;
let base: string;
let output = '';
let stdout = '';
let stderr = '';

/** Every process started under `pid` (its children, theirs, …), with its command line. */
async function descendants(pid: number): Promise<{ pid: number; args: string }[]> {
  const { stdout: ps } = await run('ps', ['-eo', 'pid=,ppid=,args=']);
  const rows = ps
    .trim()
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line)!)
    .map(([, p, pp, args]) => ({ pid: Number(p), ppid: Number(pp), args: args! }));
  const found: { pid: number; args: string }[] = [];
  const visit = (parent: number) => {
    for (const row of rows.filter((r) => r.ppid === parent)) {
      found.push({ pid: row.pid, args: row.args });
      visit(row.pid);
    }
  };
  visit(pid);
  return found;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bt-zero-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: String(await freePort()),
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
  };
  // Built here, where a slow first build cannot count against the start-up deadline below.
  await run(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, timeout: 170_000 });
  app = spawn('npm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  app.stdout!.on('data', (d: Buffer) => {
    output += d.toString();
    stdout += d.toString();
  });
  app.stderr!.on('data', (d: Buffer) => {
    output += d.toString();
    stderr += d.toString();
  });
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (app.exitCode !== null) throw new Error(`app exited early:\n${output}`);
    const ready = await fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`not ready in time:\n${output.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}, 300_000);

afterAll(async () => {
  if (app && app.exitCode === null) app.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

describe('zero-install start (embedded PostgreSQL, BullMQ on PostgreSQL)', () => {
  it('serves the API with a token made by the CLI, and the worker processes events', async () => {
    const cli = (args: string[]) =>
      run(join(ROOT, 'bin/buildtrace'), args, { cwd: ROOT, env, timeout: 60_000 });
    const created = await cli(['token', 'create', '--name', 'newcomer', '--role', 'admin']);
    const token = created.stdout.trim().split('\n').pop()!;
    expect(token).toMatch(/^bt_/);
    expect((await cli(['seed-demo'])).stdout).toMatch(/demo data created/);
    const imported = await cli([
      'import-bom',
      '--project',
      'Sensor board',
      '--new-project',
      join(ROOT, 'test/fixtures/kicad8-grouped.csv'),
    ]);
    expect(imported.stdout).toMatch(
      /project Sensor board \(\w{10}\), created: 5 matched, 3 created, 0 rejected, 1 skipped/,
    );
    const malformed = await cli([
      'import-bom',
      '--project',
      'Sensor board',
      '--dry-run',
      join(ROOT, 'test/fixtures/kicad-malformed.csv'),
    ]).catch((e: { stdout: string; code: number }) => e);
    expect(malformed.stdout).toMatch(/line 3: rejected — no MPN/);

    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const projects = (await (await fetch(`${base}/api/v1/projects`, { headers })).json()) as {
      items: { name: string; lines: unknown[] }[];
    };
    expect(projects.items.map((p) => p.name).sort()).toEqual([
      'Sensor board',
      'Sensor module',
      'Weather station',
    ]);

    const lots = (await (await fetch(`${base}/api/v1/lots?limit=1`, { headers })).json()) as {
      items: { code: string }[];
    };
    const lot = lots.items[0]!.code;
    const quarantined = await fetch(`${base}/api/v1/lots/${lot}/quarantine`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ reason: 'smoke' }),
    });
    expect(quarantined.status).toBe(200);

    // The event goes outbox → relay → BullMQ (PostgreSQL backend) → events.fanout worker.
    const { Client } = (await import('pg')).default;
    const db = new Client({
      connectionString: `postgres://postgres:buildtrace@127.0.0.1:${env.EMBEDDED_PG_PORT}/buildtrace`,
    });
    await db.connect();
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const pending = await db.query(`SELECT count(*)::int AS n FROM events WHERE relayed_at IS NULL`);
        const done = await db
          .query(
            `SELECT count(*)::int AS n FROM bullmq.job WHERE name = 'events.fanout' AND state = 'completed'`,
          )
          .catch(() => ({ rows: [{ n: -1 }] }));
        if (pending.rows[0].n === 0 && done.rows[0].n >= 1) break;
        if (Date.now() > deadline)
          throw new Error(`event not processed: pending=${pending.rows[0].n} done=${done.rows[0].n}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await db.end();
    }
  });

  it('runs the demo as a newcomer would: migrate, a two-level tracked build, a label PDF', async () => {
    const cli = (args: string[]) =>
      run(join(ROOT, 'bin/buildtrace'), args, { cwd: ROOT, env, timeout: 60_000 });
    expect((await cli(['migrate'])).stdout).toMatch(/already up to date/);
    const token = (await cli(['token', 'create', '--name', 'demo', '--role', 'operator'])).stdout
      .trim()
      .split('\n')
      .pop()!;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}/api/v1${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const settled = async (code: string) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const { body } = await api('GET', `/builds/${code}`);
        if (body.status === 'completed') return body;
        if (Date.now() > deadline) throw new Error(`build ${code} did not complete: ${JSON.stringify(body)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    // The first test quarantined a reel; production releases it before building.
    const held = (await api('GET', '/lots?status=quarantined')).body.items as { code: string }[];
    for (const lot of held) expect((await api('POST', `/lots/${lot.code}/release`, {})).status).toBe(200);
    const projects = (await api('GET', '/projects')).body.items as { code: string; name: string }[];
    const project = (name: string) => projects.find((p) => p.name === name)!.code;

    const modules = await api('POST', '/builds', {
      project: project('Sensor module'),
      quantity: 10,
      trackUnits: true,
    });
    expect(modules.status, JSON.stringify(modules.body)).toBe(201);
    const moduleBuild = (modules.body.build as { code: string }).code;
    await settled(moduleBuild);
    const stations = await api('POST', '/builds', {
      project: project('Weather station'),
      quantity: 4,
      trackUnits: true,
    });
    expect(stations.status, JSON.stringify(stations.body)).toBe(201);
    const stationBuild = (stations.body.build as { code: string }).code;
    await settled(stationBuild);

    // Unit 4 of the stations holds a sensor module, and the trace goes back through it.
    const unit = (await api('GET', `/builds/${stationBuild}/units/4`)).body;
    expect(unit).toMatchObject({ serial: 4, status: 'available', buildCode: stationBuild });
    expect(unit.serialLabel).toMatch(/^WS-\d{4}-000004$/);
    const back = JSON.stringify((await api('GET', `/trace/backward/${unit.code as string}`)).body);
    expect(back).toContain(moduleBuild);
    expect(back).toContain('DK-DEMO-0001');

    const run1 = await api('POST', '/labels', { template: 'brother-62x29', build: stationBuild });
    expect(run1.status).toBe(202);
    const id = (run1.body as { id: number }).id;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { body } = await api('GET', `/labels/${id}`);
      if (body.status === 'done') break;
      if (Date.now() > deadline) throw new Error(`label run not ready: ${JSON.stringify(body)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const pdf = await fetch(`${base}/api/v1/labels/${id}/pdf`, { headers });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
  });

  it('runs compiled JavaScript: no TypeScript loader or esbuild among its processes', async () => {
    const processes = await descendants(app.pid!);
    expect(processes.map((p) => p.args).join('\n')).not.toMatch(/tsx|esbuild/);
    expect(processes.some((p) => /node .*scripts\/start\.mjs all/.test(p.args))).toBe(true);
  });

  it('stops cleanly on SIGTERM to the process `npm start` made, embedded PostgreSQL included', async () => {
    const processes = await descendants(app.pid!);
    expect(processes.length).toBeGreaterThan(1);
    const exited = new Promise<number | null>((resolve) => app.once('exit', (code) => resolve(code)));
    app.kill('SIGTERM');
    expect(await exited).toBe(0);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 30_000;
    while (processes.some((p) => alive(p.pid)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    expect(processes.filter((p) => alive(p.pid))).toEqual([]);
    expect(output).toContain('"msg":"shut down"');
  });

  it("logs JSON, line by line on stdout and stderr, in JSON mode (npm's own banner aside)", () => {
    const lines = `${stdout}\n${stderr}`
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('> '));
    expect(lines.length).toBeGreaterThan(5);
    const notJson = lines.filter((line) => {
      try {
        JSON.parse(line);
        return false;
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
  });
});
