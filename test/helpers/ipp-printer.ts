/**
 * A real IPP Everywhere printer for tests: CUPS's `ippeveprinter` on a free loopback port with its own
 * spool directory (`-k` keeps every job's PDF there, named `<job-id>-<job-name>.pdf`).
 *
 * Its print engine is a small script (`-c`) that prints at once, or — while a fault is set with
 * {@link IppTestPrinter.setFault} — reports it the way a printer's engine does (`STATE: +media-empty`,
 * which ippeveprinter shows in `printer-state-reasons`) and holds the job "processing" until the
 * fault is cleared, as a printer out of labels does.
 *
 * ippeveprinter needs DNS-SD (avahi, over the system D-Bus) to start: both are started when they are
 * not running and then left running, as the system services they are — several test files may use
 * them at once. `stop` ends exactly the ippeveprinter it started (by pid) and removes its directory.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ippDriver } from '../../src/printers/ipp.ts';

const run = promisify(execFile);

export interface IppTestPrinter {
  /** `ipp://127.0.0.1:<port>/ipp/print`. */
  uri: string;
  port: number;
  /** Where ippeveprinter keeps the jobs' files. */
  spool: string;
  pid: number;
  /** Sets the printer-state reason the engine reports and holds jobs on (`media-empty`), or clears it. */
  setFault(reason: string | null): Promise<void>;
  /** The spooled PDFs, oldest job first, as absolute paths. */
  spooledPdfs(): Promise<string[]>;
  stop(): Promise<void>;
}

const BUS_SOCKET = '/run/dbus/system_bus_socket';

/** Starts the system D-Bus and avahi unless they run; safe to call from several processes at once. */
export async function ensureDnsSd(): Promise<void> {
  if (!(await socketAnswers(BUS_SOCKET))) {
    await mkdir('/run/dbus', { recursive: true });
    await removeStalePidFile('/run/dbus/pid');
    // Another test file may start it at the same moment: one of the two fails, and both wait for it.
    await run('dbus-daemon', ['--system', '--fork']).catch(() => undefined);
    await waitFor(() => socketAnswers(BUS_SOCKET), 5_000, 'the system D-Bus did not start');
  }
  if (!(await avahiRunning())) {
    await removeStalePidFile('/run/avahi-daemon/pid');
    await run('avahi-daemon', ['-D']).catch(() => undefined);
    await waitFor(avahiRunning, 5_000, 'avahi-daemon did not start');
  }
}

/** Starts an ippeveprinter; resolves once it answers Get-Printer-Attributes. */
export async function startIppPrinter(name = `bt-test-${process.pid}`): Promise<IppTestPrinter> {
  await ensureDnsSd();
  const base = await mkdtemp(join(tmpdir(), 'bt-ipp-'));
  const spool = join(base, 'spool');
  const faultFile = join(base, 'fault');
  const engine = join(base, 'engine.sh');
  await mkdir(spool);
  await writeFile(engine, engineScript(faultFile));
  await chmod(engine, 0o755);
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(
      'ippeveprinter',
      [
        '-k',
        '-c',
        engine,
        '-d',
        spool,
        '-p',
        String(port),
        '-f',
        'application/pdf,image/pwg-raster',
        `${name}-${port}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    const uri = `ipp://127.0.0.1:${port}/ipp/print`;
    const up = await answers(uri, child);
    if (up && child.pid !== undefined) {
      return {
        uri,
        port,
        spool,
        pid: child.pid,
        setFault: async (reason) => {
          if (reason === null) await rm(faultFile, { force: true });
          else await writeFile(faultFile, reason);
        },
        spooledPdfs: async () => {
          const files = (await readdir(spool)).filter((f) => f.endsWith('.pdf'));
          files.sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
          return files.map((f) => join(spool, f));
        },
        stop: async () => {
          await stopChild(child);
          await rm(base, { recursive: true, force: true });
        },
      };
    }
    lastError = log;
    await stopChild(child);
  }
  await rm(base, { recursive: true, force: true });
  throw new Error(`ippeveprinter did not start: ${lastError.trim() || 'no output'}`);
}

/** The print engine: nothing to print, but holds the job while a fault is set. */
function engineScript(faultFile: string): string {
  return `#!/bin/sh
# Stands in for the print engine of ippeveprinter: done at once, unless ${faultFile} names a
# printer-state reason (media-empty, media-jam, cover-open, paused): then it reports it and holds
# the job until the file is removed.
if [ -f '${faultFile}' ]; then
  reason=$(cat '${faultFile}')
  echo "STATE: +$reason" >&2
  while [ -f '${faultFile}' ]; do sleep 0.05; done
  echo "STATE: -$reason" >&2
fi
exit 0
`;
}

async function answers(uri: string, child: ChildProcess): Promise<boolean> {
  const target = { name: 'test', driver: 'ipp' as const, address: uri, template: 'zebra-2x1in', dpi: 203 };
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    if ((await ippDriver.status(target)).state === 'ready') return true;
    await sleep(100);
  }
  return false;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function avahiRunning(): Promise<boolean> {
  return run('avahi-daemon', ['--check']).then(
    () => true,
    () => false,
  );
}

/** A daemon refuses to start while its pid file names a process; removes it when that one is gone. */
async function removeStalePidFile(path: string): Promise<void> {
  const pid = parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
  if (Number.isInteger(pid) && pid > 0) {
    try {
      process.kill(pid, 0);
      return;
    } catch {
      // No such process: the file is stale.
    }
  }
  await rm(path, { force: true });
}

async function waitFor(check: () => Promise<boolean>, ms: number, message: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(message);
    await sleep(50);
  }
}
