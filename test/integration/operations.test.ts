/**
 * What operators get: Prometheus metrics, the admin-only queue dashboard, security headers, rate
 * limits answered as problems, and a request id that follows the work into jobs and their events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '../../src/domain/webhooks.ts';
import { factories } from '../factories.ts';
import { settledBuild, startBackground, waitFor, type Background } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';

let ctx: TestContext;
let limited: TestContext;
let bg: Background;

beforeAll(async () => {
  ctx = await createTestContext();
  limited = await createTestContext({ env: { RATE_LIMIT_PER_MINUTE: '5' } });
  bg = await startBackground(ctx);
});
afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
  await limited?.close();
});

async function trackedBuild(headers: Record<string, string> = {}) {
  const f = factories({ uow: ctx.uow });
  const part = await f.part();
  await f.lot({ part: part.code, quantity: 100 });
  const project = await f.project({ lines: [{ part: part.code, quantity: 1 }] });
  const res = await ctx.api('POST', '/api/v1/builds', {
    body: { project: project.code, quantity: 7, trackUnits: true },
    headers,
  });
  const code = (res.body.build as { code: string }).code;
  await settledBuild(ctx, code, (b) => b.status === 'completed');
  return code;
}

describe('operations', () => {
  it('exposes Prometheus metrics: HTTP latency by route, queue depth, jobs, units generated', async () => {
    await trackedBuild();
    // The worker counts a job when BullMQ reports it finished, a moment after its work committed.
    const text = await waitFor(async () => {
      const body = await (await fetch(`${ctx.url}/metrics`)).text();
      return /job="lots.generate",outcome="completed"/.test(body) && body;
    }, 'lots.generate in the job metrics');
    expect(text).toMatch(
      /buildtrace_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/builds",status="201"\} 1/,
    );
    expect(text).toMatch(/buildtrace_queue_jobs\{queue="lots",state="waiting"\} 0/);
    expect(text).toMatch(
      /buildtrace_job_duration_seconds_count\{queue="lots",job="lots.generate",outcome="completed"\} 1/,
    );
    expect(text).toMatch(/buildtrace_units_generated_total 7/);
    expect(text).toMatch(/buildtrace_process_resident_memory_bytes/);
  });

  it('carries the request id from the HTTP request into the jobs and events it causes', async () => {
    await ctx.db('webhook_endpoints').insert({
      url: 'http://127.0.0.1:9/hook',
      event_types: ['*'],
      secrets: JSON.stringify([{ secret: generateWebhookSecret(), expiresAt: null }]),
      created_by: 'test',
    });
    const code = await trackedBuild({ 'x-request-id': 'req-trace-42' });
    const events = (await ctx
      .db('events')
      .where({ stream: `build:${code}` })
      .pluck('request_id')) as string[];
    expect(events).toEqual(['req-trace-42', 'req-trace-42', 'req-trace-42']);
    const jobs = (await ctx
      .db('job_outbox')
      .whereIn('name', ['builds.start', 'lots.generate'])
      .where({ request_id: 'req-trace-42' })) as unknown[];
    expect(jobs).toHaveLength(2);
    // The events' fan-out runs under the same id, so the delivery jobs it enqueues (and their
    // retries) carry it too.
    const deliveryJobs = await waitFor(async () => {
      const deliveries = (
        (await ctx
          .db('webhook_deliveries as d')
          .join('events as e', 'e.id', 'd.event_id')
          .where('e.stream', `build:${code}`)
          .pluck('d.id')) as (string | number)[]
      ).map(Number);
      const rows = (await ctx.db('job_outbox').where({ name: 'webhooks.deliver' })) as {
        data: { deliveryId: number; attempt: number };
        request_id: string | null;
      }[];
      const mine = rows.filter((r) => deliveries.includes(r.data.deliveryId));
      // started, lots.generated, completed
      return deliveries.length === 3 && mine.filter((r) => r.data.attempt === 1).length === 3 && mine;
    }, 'delivery jobs for the build');
    expect(deliveryJobs.map((j) => j.request_id)).toEqual(deliveryJobs.map(() => 'req-trace-42'));
  });

  it('counts labels rendered, webhook attempts by outcome and failed jobs', async () => {
    const build = await trackedBuild();
    const run = await ctx.api('POST', '/api/v1/labels', { body: { build, template: 'pcb-12x12' } });
    expect(run.status, run.text).toBe(202);
    // A subscriber at an address that is not allowed: every attempt is refused.
    await ctx.db('webhook_endpoints').insert({
      url: 'http://10.255.255.1/hook',
      event_types: ['lot.status_changed'],
      secrets: JSON.stringify([{ secret: generateWebhookSecret(), expiresAt: null }]),
      created_by: 'test',
    });
    const lot = await factories({ uow: ctx.uow }).lot();
    await ctx.api('POST', `/api/v1/lots/${lot.code}/quarantine`, { body: { reason: 'metrics' } });
    // A label run that does not exist fails for good.
    await ctx.queues.addBulk([
      { name: 'labels.render', data: { runId: 987_654 }, jobId: 'metrics-missing-run' },
    ]);
    const text = await waitFor(async () => {
      const body = await (await fetch(`${ctx.url}/metrics`)).text();
      return (
        /buildtrace_labels_rendered_total\{template="pcb-12x12"\} 7/.test(body) &&
        /buildtrace_webhook_delivery_attempts_total\{outcome="refused"\} [1-9]/.test(body) &&
        /buildtrace_job_failures_total\{queue="labels",job="labels.render"\} [1-9]/.test(body) &&
        // Counted when BullMQ reports the job finished, a moment after the labels were.
        /buildtrace_job_duration_seconds_count\{queue="labels",job="labels.render",outcome="completed"\} [1-9]/.test(
          body,
        ) &&
        body
      );
    }, 'labels, webhook attempts and a failed job in the metrics');
    expect(text).toMatch(/buildtrace_labels_rendered_total\{template="pcb-12x12"\} 7/);
  });

  it('shows the queue dashboard to admins only', async () => {
    const none = await fetch(`${ctx.url}/admin/queues`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
    const basic = (token: string) => `Basic ${Buffer.from(`admin:${token}`).toString('base64')}`;
    expect(
      (await fetch(`${ctx.url}/admin/queues`, { headers: { authorization: basic(ctx.tokens.operator) } }))
        .status,
    ).toBe(403);
    const page = await fetch(`${ctx.url}/admin/queues`, {
      headers: { authorization: basic(ctx.tokens.admin) },
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('buildtrace');
    const api = await fetch(`${ctx.url}/admin/queues/api/queues?activeQueue=builds&page=1&jobsPerPage=10`, {
      headers: { authorization: `Bearer ${ctx.tokens.admin}` },
    });
    expect(api.status).toBe(200);
    expect(JSON.stringify(await api.json())).toContain('"name":"lots"');
  });

  it('sends security headers, with a strict content security policy on the API and pages', async () => {
    const res = await fetch(`${ctx.url}/api/v1/parts`, {
      headers: { authorization: `Bearer ${ctx.tokens.viewer}` },
    });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('strict-transport-security')).toBeTruthy();
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('limits requests per token and answers 429 as a problem with Retry-After', async () => {
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push(await limited.api('GET', '/api/v1/parts', { role: 'viewer' }));
    expect(answers.slice(0, 5).every((a) => a.status === 200)).toBe(true);
    const refused = answers[6]!;
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.detail).toMatch(/at most 5 a minute/);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    // The headers the document gives a 429 (express-rate-limit's draft-8 standard headers).
    expect(refused.headers.get('ratelimit-policy')).toMatch(/q=5; w=60/);
    expect(refused.headers.get('ratelimit')).toMatch(/r=0; t=\d+/);
    // Another token has its own budget.
    expect((await limited.api('GET', '/api/v1/parts', { role: 'admin' })).status).toBe(200);
  });
});
