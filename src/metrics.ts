/**
 * Prometheus metrics (prom-client), one registry per process: HTTP latency by route, queue depth
 * and job duration/failures per queue, units generated, labels rendered, webhook deliveries by
 * outcome, all named `buildtrace_…`, plus Node's own process metrics under prom-client's standard
 * names (`process_cpu_seconds_total`, `nodejs_heap_size_used_bytes` …), as stock dashboards expect
 * them. The web process serves them at /metrics; a separate worker process serves its own on
 * METRICS_PORT. With METRICS_TOKEN set, both ask for `Authorization: Bearer <token>`.
 */
import { timingSafeEqual } from 'node:crypto';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ReadReplica } from './db/replica.ts';
import type { Queues } from './queue/queues.ts';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  jobDuration: Histogram<'queue' | 'job' | 'outcome'>;
  jobFailures: Counter<'queue' | 'job'>;
  unitsGenerated: Counter;
  labelsRendered: Counter<'template'>;
  webhookDeliveries: Counter<'outcome'>;
  /** What the reconciler did to stranded work, by source, action (redrive, settle) and cause. */
  reconcilerActions: Counter<'source' | 'action' | 'cause'>;
  reconcilerPasses: Counter<'outcome'>;
  /** Stranded work the last pass found (in flight, no live job), by source. */
  workStranded: Gauge<'source'>;
  /** Hits the rate limits' shared store failed (counted in this process instead), by limiter. */
  rateLimitStoreErrors: Counter<'limiter'>;
}

export function createMetrics(queues?: Queues, replica?: Pick<ReadReplica, 'state'>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics: Metrics = {
    registry,
    httpDuration: new Histogram({
      name: 'buildtrace_http_request_duration_seconds',
      help: 'HTTP request duration by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: 'buildtrace_job_duration_seconds',
      help: 'Job processing time by queue, job name and outcome',
      labelNames: ['queue', 'job', 'outcome'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers: [registry],
    }),
    jobFailures: new Counter({
      name: 'buildtrace_job_failures_total',
      help: 'Job attempts that failed, by queue and job name',
      labelNames: ['queue', 'job'],
      registers: [registry],
    }),
    unitsGenerated: new Counter({
      name: 'buildtrace_units_generated_total',
      help: 'Tracked units written by lots.generate',
      registers: [registry],
    }),
    labelsRendered: new Counter({
      name: 'buildtrace_labels_rendered_total',
      help: 'Labels rendered into PDFs, by template',
      labelNames: ['template'],
      registers: [registry],
    }),
    webhookDeliveries: new Counter({
      name: 'buildtrace_webhook_delivery_attempts_total',
      help: 'Webhook delivery attempts by outcome (success, retry, gone, refused)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    reconcilerActions: new Counter({
      name: 'buildtrace_reconciler_actions_total',
      help: 'Stranded work the reconciler redrove or settled, by source, action and cause (missing, failed, completed job)',
      labelNames: ['source', 'action', 'cause'],
      registers: [registry],
    }),
    reconcilerPasses: new Counter({
      name: 'buildtrace_reconciler_passes_total',
      help: 'Reconciler passes by outcome (done, skipped: another process holds the lock, error)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    workStranded: new Gauge({
      name: 'buildtrace_work_stranded',
      help: "Work in flight without a live job at this process's last reconciler pass, by source",
      labelNames: ['source'],
      registers: [registry],
    }),
    rateLimitStoreErrors: new Counter({
      name: 'buildtrace_rate_limit_store_errors_total',
      help: "Rate-limit hits the shared store (Redis or PostgreSQL) failed or did not answer in time, counted in this process's memory instead, by limiter",
      labelNames: ['limiter'],
      registers: [registry],
    }),
  };
  if (queues) {
    new Gauge({
      name: 'buildtrace_queue_jobs',
      help: 'Jobs per queue and state (waiting, active, delayed, failed), read at scrape time',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        try {
          for (const [queue, counts] of Object.entries(await queues.counts())) {
            for (const [state, n] of Object.entries(counts)) this.set({ queue, state }, n);
          }
        } catch {
          // The queue backend is unreachable: /readyz says so; the scrape still answers.
        }
      },
    });
  }
  if (replica) {
    new Gauge({
      name: 'buildtrace_db_replica_lag_seconds',
      help: 'How far behind the primary the read replica is known to be at most (DATABASE_READ_URL); absent until it first caught up',
      registers: [registry],
      collect() {
        const { lagMs } = replica.state();
        if (lagMs === null) this.reset();
        else this.set(lagMs / 1000);
      },
    });
    new Gauge({
      name: 'buildtrace_db_replica_in_use',
      help: 'Whether reads that may lag go to the read replica (1) or, lagging or unreachable, to the primary (0)',
      registers: [registry],
      collect() {
        this.set(replica.state().state === 'in use' ? 1 : 0);
      },
    });
  }
  return metrics;
}

/**
 * Whether a scrape may read /metrics: always without a token configured, else only with
 * `Authorization: Bearer <token>` (compared in constant time).
 */
export function metricsScrapeAllowed(authorization: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const given = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1]?.trim();
  if (given === undefined) return false;
  const [a, b] = [Buffer.from(given), Buffer.from(token)];
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The challenge a refused scrape is answered with. */
export const METRICS_CHALLENGE = 'Bearer realm="buildtrace-metrics"';
