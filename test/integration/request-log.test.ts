/**
 * Request logging (src/http/request-log.ts): each request's id, and its completion line at the
 * level its status calls for — written only when that level is enabled, in pino-http's shape, with
 * its credentials redacted; health probes not logged.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UnitOfWork } from '../../src/commands/ports.ts';
import { createApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { waitFor } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';

type Line = Record<string, unknown> & { level: number; msg?: string };

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

/** An app whose log lines (at `level`) land in `written`; `broken`: every unit of work fails. */
async function serve(level: 'debug' | 'info', broken = false) {
  const written: Line[] = [];
  const log = createLogger({ log: { level, format: 'json' } }, 'web', {
    destination: { write: (line: string) => void written.push(JSON.parse(line) as Line) },
  });
  const failing = () => Promise.reject(new Error('the database said no'));
  const uow: UnitOfWork = broken ? { read: failing, transaction: failing } : ctx.uow;
  const server: Server = createServer(createApp({ ...ctx, log, uow }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    written,
    get: (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers }),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('request logging', () => {
  it('at debug: a completed request is one line with its id, method, URL, status and time; credentials redacted', async () => {
    const app = await serve('debug');
    try {
      const res = await app.get('/api/v1/parts', {
        authorization: `Bearer ${ctx.tokens.viewer}`,
        'x-request-id': 'log-shape-1',
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe('log-shape-1');
      await waitFor(async () => app.written.some((l) => l.msg === 'request completed'), 'completion line');
      const line = app.written.find((l) => l.msg === 'request completed')!;
      expect(line).toMatchObject({
        level: 20,
        requestId: 'log-shape-1',
        req: {
          id: 'log-shape-1',
          method: 'GET',
          url: '/api/v1/parts',
          headers: { authorization: '[redacted]' },
        },
        res: { statusCode: 200 },
        responseTime: expect.any(Number),
      });
      expect(JSON.stringify(app.written)).not.toContain(ctx.tokens.viewer);
    } finally {
      await app.close();
    }
  });

  it('at info: a 2xx writes nothing, a 4xx its line at info; health probes never', async () => {
    const app = await serve('info');
    try {
      expect((await app.get('/api/v1/parts', { authorization: `Bearer ${ctx.tokens.viewer}` })).status).toBe(
        200,
      );
      expect((await app.get('/healthz')).status).toBe(200);
      const refused = await app.get('/api/v1/parts', { 'x-request-id': 'log-refused' });
      expect(refused.status).toBe(401);
      await waitFor(async () => app.written.some((l) => l.requestId === 'log-refused'), '401 line');
      const lines = app.written.filter((l) => l.msg === 'request completed');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 30, res: { statusCode: 401 }, req: { id: 'log-refused' } });
    } finally {
      await app.close();
    }
  });

  it('a 5xx: the handler’s line and "request errored" at error, both with the request; a bad request id is replaced', async () => {
    const app = await serve('info', true);
    try {
      const res = await app.get('/api/v1/parts', {
        authorization: `Bearer ${ctx.tokens.viewer}`,
        'x-request-id': 'not a sane id!',
      });
      expect(res.status).toBe(500);
      const id = res.headers.get('x-request-id')!;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      await waitFor(async () => app.written.some((l) => l.msg === 'request errored'), 'error line');
      const errored = app.written.find((l) => l.msg === 'request errored')!;
      expect(errored).toMatchObject({
        level: 50,
        requestId: id,
        req: { id },
        res: { statusCode: 500 },
        err: { message: 'failed with status code 500' },
      });
      const handler = app.written.find((l) => l.msg === 'unhandled error')!;
      expect(handler).toMatchObject({
        level: 50,
        requestId: id,
        req: { id },
        err: { message: 'the database said no' },
      });
    } finally {
      await app.close();
    }
  });
});
