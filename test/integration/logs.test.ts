/**
 * Logs: in JSON mode a process writes nothing but JSON lines, also when a client hangs up
 * mid-download (an error path that Express would print as a raw stack) and when Node warns (here:
 * the TLS warning NODE_TLS_REJECT_UNAUTHORIZED=0 raises at a webhook delivery's first connection,
 * which Node's own printer would write as text). Every line of a request's work carries its
 * `requestId`, every line of a job's `job`, `jobId` and the `requestId` of the request behind it —
 * also lines written through the process logger by code that was handed nothing of the request.
 */
import { createServer, request, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Repositories, UnitOfWork } from '../../src/commands/ports.ts';
import { createDb } from '../../src/db/knex.ts';
import { createApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { factories } from '../factories.ts';
import { waitFor } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { freePort } from '../helpers/ports.ts';
import { kill, processEnv, startProcess, waitForOutput, type Proc } from '../helpers/processes.ts';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

type Line = Record<string, unknown> & { level: number; msg?: string; err?: Record<string, unknown> };

/** Every line of `text` as JSON; a line that is not JSON fails the test, named. */
function jsonLines(text: string): Line[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        expect.fail(`not a JSON line: ${line}`);
      }
      expect(parsed, line).toMatchObject({ level: expect.any(Number), time: expect.any(Number) });
      return parsed as Line;
    });
}

describe('JSON logs of a running process', () => {
  let proc: Proc | undefined;
  afterAll(async () => {
    if (proc) await kill(proc);
  });

  it('are JSON lines only, through a hang-up mid-download and a Node warning, with request and job ids', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    proc = startProcess(
      'all',
      processEnv(ctx, {
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'debug',
        LOG_FORMAT: 'json',
        SHUTDOWN_GRACE_MS: '2000',
        WEBHOOK_ALLOW_LIST: '127.0.0.1',
        // Node warns about this at the first TLS connection (a webhook delivery's).
        NODE_TLS_REJECT_UNAUTHORIZED: '0',
        WEBHOOK_RETRY_DELAYS_MS: '600000',
      }),
    );
    await waitForOutput(proc, '"msg":"web listening"');
    const call = async (method: string, path: string, requestId: string, body?: unknown) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${ctx.tokens.admin}`,
          'x-request-id': requestId,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      expect(res.status, `${method} ${path}: ${text}`).toBeLessThan(300);
      return JSON.parse(text) as Record<string, unknown>;
    };

    // A webhook delivery to an https address: nothing listens there, but the connection is tried.
    const endpoint = await call('POST', '/api/v1/webhook-endpoints', 'logs-endpoint', {
      url: `https://127.0.0.1:${await freePort()}/hooks`,
      eventTypes: ['build.completed'],
    });
    await call('POST', `/api/v1/webhook-endpoints/${endpoint.id as number}/test`, 'logs-ping', {});
    await waitForOutput(proc, 'NODE_TLS_REJECT_UNAUTHORIZED');

    // A 16 MB attachment, and a client that reads its first bytes and hangs up.
    const lotCode = (await factories({ uow: ctx.uow }).lot()).code;
    const form = new FormData();
    form.append('file', new Blob([Buffer.alloc(16 * 1024 * 1024, 0x41)]), 'capture.bin');
    const uploaded = await fetch(`${url}/api/v1/lots/${lotCode}/attachments`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${ctx.tokens.admin}`, 'x-request-id': 'logs-upload' },
    });
    expect(uploaded.status, await uploaded.clone().text()).toBe(201);
    const attachment = (await uploaded.json()) as { id: number };
    await new Promise<void>((resolve, reject) => {
      const req = request(
        `${url}/api/v1/attachments/${attachment.id}/content`,
        { headers: { authorization: `Bearer ${ctx.tokens.viewer}`, 'x-request-id': 'logs-download' } },
        (res) => {
          res.once('data', () => {
            res.pause();
            setTimeout(() => {
              req.destroy();
              resolve();
            }, 100);
          });
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? undefined : reject(e)));
      req.end();
    });
    await waitForOutput(proc, 'the client closed the connection before the response was complete');

    proc.child.kill('SIGTERM');
    await proc.exited;
    const lines = jsonLines(proc.output());

    const hangUp = lines.find(
      (l) => l.msg === 'the client closed the connection before the response was complete',
    );
    expect(hangUp).toMatchObject({ level: 20, requestId: 'logs-download' });
    expect(hangUp!.err).toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE', stack: expect.any(String) });
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);

    const warning = lines.find((l) => /NODE_TLS_REJECT_UNAUTHORIZED/.test(l.msg ?? ''));
    // Raised in the delivery job's work: the job's fields and the id of the request behind it.
    expect(warning).toMatchObject({
      level: 40,
      job: 'webhooks.deliver',
      jobId: expect.any(String),
      requestId: 'logs-ping',
      err: { message: expect.stringMatching(/NODE_TLS_REJECT_UNAUTHORIZED/) },
    });

    // The request lines (the completion line, the handlers') carry their request's id at the top level.
    const requestLines = lines.filter((l) => typeof (l.req as { id?: unknown } | undefined)?.id === 'string');
    expect(requestLines.length).toBeGreaterThan(4);
    for (const l of requestLines) expect(l.requestId, JSON.stringify(l)).toBe((l.req as { id: string }).id);
    expect(requestLines.map((l) => l.requestId)).toEqual(
      expect.arrayContaining(['logs-endpoint', 'logs-ping', 'logs-upload', 'logs-download']),
    );
  });
});

describe('a configuration error in JSON mode', () => {
  it('is one JSON line naming the variable (not its secret value), exit 78', async () => {
    const proc = startProcess('web', { ...processEnv(ctx), LOG_FORMAT: 'json', METRICS_TOKEN: 'hunter2' });
    expect(await proc.exited).toBe(78);
    const lines = jsonLines(proc.output());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 60,
      msg: expect.stringMatching(/^configuration: METRICS_TOKEN /),
    });
    expect(proc.output()).not.toContain('hunter2');
  });
});

describe('the request id in lines the process logger writes during a request', () => {
  let server: Server;
  let base: string;
  const written: string[] = [];

  beforeAll(async () => {
    const log = createLogger({ log: { level: 'debug', format: 'json' } }, 'web', {
      destination: { write: (line: string) => void written.push(line) },
    });
    // A unit of work that logs through the process logger, as a repository or a command's port
    // would: it is handed nothing of the request.
    const logged =
      (open: UnitOfWork['read']) =>
      <T>(work: (repos: Repositories) => Promise<T>) =>
        open(async (repos) => {
          log.info({ probe: true }, 'unit of work opened');
          return work(repos);
        });
    const uow: UnitOfWork = {
      read: logged((w) => ctx.uow.read(w)),
      transaction: logged((w) => ctx.uow.transaction(w)),
    };
    server = createServer(createApp({ ...ctx, log, uow }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('carries each request its own id, also when requests overlap', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `overlap-${i}`);
    await Promise.all(
      ids.map(async (id, i) => {
        const res = await fetch(`${base}/api/v1/${i % 2 ? 'parts' : 'locations'}`, {
          headers: { authorization: `Bearer ${ctx.tokens.viewer}`, 'x-request-id': id },
        });
        expect(res.status).toBe(200);
      }),
    );
    await waitFor(
      async () => written.filter((l) => l.includes('"responseTime"')).length >= ids.length,
      'logs',
    );
    const lines = written.map((l) => JSON.parse(l) as Line);
    const probes = lines.filter((l) => l.probe === true);
    // (A request opens two: its token's lookup and its command.)
    expect(probes.length).toBeGreaterThanOrEqual(ids.length);
    expect([...new Set(probes.map((l) => l.requestId))].sort()).toEqual([...ids].sort());
    const completed = lines.filter((l) => l.responseTime !== undefined);
    for (const l of completed) expect(l.requestId).toBe((l.req as { id: string }).id);
    expect(completed.map((l) => l.requestId).sort()).toEqual([...ids].sort());
  });

  it('leaves lines outside any request without one', () => {
    written.length = 0;
    createLogger({ log: { level: 'info', format: 'json' } }, 'web', {
      destination: { write: (line: string) => void written.push(line) },
    }).info('between requests');
    expect(JSON.parse(written[0]!)).not.toHaveProperty('requestId');
  });
});

describe("knex's own warnings", () => {
  it('are log lines, not coloured text on stdout', async () => {
    const written: string[] = [];
    const log = createLogger({ log: { level: 'debug', format: 'json' } }, 'web', {
      destination: { write: (line: string) => void written.push(line) },
    });
    const away = createDb({ url: 'postgres://postgres@127.0.0.1:1/nothing', poolMax: 1, log });
    try {
      await expect(away.raw('select 1')).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await away.destroy();
    }
    const lines = written.map((l) => JSON.parse(l) as Line);
    expect(lines.find((l) => /^knex: Acquire connection error/.test(l.msg ?? ''))).toMatchObject({
      level: 40,
      detail: expect.stringMatching(/ECONNREFUSED|at /),
    });
  });
});
