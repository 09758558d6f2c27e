/**
 * /metrics: Node's default metrics under prom-client's standard names (what stock dashboards
 * query), buildtrace's own under `buildtrace_`; with METRICS_TOKEN set, the web's /metrics and a
 * worker's (METRICS_PORT) answer only the bearer token; without it, anyone.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.ts';
import { startMetricsServer } from '../../src/main/services.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { freePort } from '../helpers/ports.ts';

const TOKEN = 'scrape-token-for-the-tests-0123';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext({ env: { METRICS_TOKEN: TOKEN } });
});
afterAll(async () => {
  await ctx?.close();
});

const scrape = (url: string, authorization?: string) =>
  fetch(`${url}/metrics`, { headers: authorization ? { authorization } : {} });

/** The metric names (`# TYPE` lines) of an exposition. */
const names = (text: string) => [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);

async function refusesWithoutTheToken(url: string): Promise<void> {
  for (const authorization of [
    undefined,
    'Bearer wrong-token-of-the-same-size',
    `Basic ${TOKEN}`,
    'Bearer ',
  ]) {
    const res = await scrape(url, authorization);
    expect(res.status, String(authorization)).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(await res.text()).not.toMatch(/process_cpu/);
  }
}

describe('metrics', () => {
  it("the web's /metrics: 401 without the token, and standard names for Node's metrics with it", async () => {
    await refusesWithoutTheToken(ctx.url);
    const res = await scrape(ctx.url, `Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const all = names(text);
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
      'buildtrace_http_request_duration_seconds',
      'buildtrace_queue_jobs',
    ])
      expect(all).toContain(name);
    // Ours are buildtrace_…; the rest are prom-client's defaults, unprefixed.
    for (const name of all) expect(name).toMatch(/^(buildtrace_(?!process_|nodejs_)|process_|nodejs_)/);
  });

  it("a worker's METRICS_PORT server: 401 without the token, 200 with it; health stays open", async () => {
    const port = await freePort();
    const server = await startMetricsServer({ ...ctx, close: async () => undefined }, port);
    try {
      const url = `http://127.0.0.1:${port}`;
      await refusesWithoutTheToken(url);
      const res = await scrape(url, `Bearer ${TOKEN}`);
      expect(res.status).toBe(200);
      expect(names(await res.text())).toContain('process_cpu_seconds_total');
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      await server?.close();
    }
  });

  it('without METRICS_TOKEN, /metrics is open', async () => {
    const open = { ...ctx, config: { ...ctx.config, metricsToken: undefined } };
    const server: Server = createServer(createApp(open));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = await freePort();
    const worker = await startMetricsServer({ ...open, close: async () => undefined }, port);
    try {
      const res = await scrape(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
      expect(res.status).toBe(200);
      expect(names(await res.text())).toContain('nodejs_heap_size_used_bytes');
      expect((await scrape(`http://127.0.0.1:${port}`)).status).toBe(200);
    } finally {
      await worker?.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
