/**
 * The rate limits' store failing open (see src/http/rate-limit-stores.ts): a shared store that
 * throws, or does not answer within STORE_TIMEOUT_MS, is replaced for that hit by this process's
 * own count; the failure is counted for the metric and logged once a minute, not once a hit.
 */
import { pino } from 'pino';
import { Writable } from 'node:stream';
import type { Store } from 'express-rate-limit';
import { describe, expect, it } from 'vitest';
import { STORE_TIMEOUT_MS, sharedOrLocal } from '../../src/http/rate-limit-stores.ts';

const options = { windowMs: 60_000 } as Parameters<NonNullable<Store['init']>>[0];

function outage() {
  const failed: string[] = [];
  let lines = '';
  const log = pino(
    { level: 'warn' },
    new Writable({
      write(chunk: Buffer, _e, done) {
        lines += chunk.toString();
        done();
      },
    }),
  );
  return {
    failed,
    warnings: () => lines.split('\n').filter(Boolean).length,
    log,
    record: (l: string) => failed.push(l),
  };
}

const store = (behaviour: () => Promise<never>): Store => ({
  increment: behaviour,
  get: behaviour,
  decrement: behaviour,
  resetKey: behaviour,
});

describe('sharedOrLocal', () => {
  it('counts in this process when the shared store throws, and warns once', async () => {
    const o = outage();
    const s = sharedOrLocal(
      store(() => Promise.reject(new Error('ECONNREFUSED'))),
      'api-token',
      { log: o.log, failed: o.record },
    );
    await s.init!(options);
    const hits: number[] = [];
    for (let i = 0; i < 3; i++) hits.push((await s.increment('token:1')).totalHits);
    expect(hits).toEqual([1, 2, 3]);
    expect((await s.get!('token:1'))?.totalHits).toBe(3);
    expect(o.failed).toEqual(Array(4).fill('api-token'));
    expect(o.warnings()).toBe(1);
    s.shutdown!();
  });

  it('does not hold a request longer than the timeout when the shared store never answers', async () => {
    const o = outage();
    const s = sharedOrLocal(
      store(() => new Promise<never>(() => undefined)),
      'slack',
      { log: o.log, failed: o.record },
    );
    await s.init!(options);
    const t0 = performance.now();
    expect((await s.increment('ip:127.0.0.1')).totalHits).toBe(1);
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(STORE_TIMEOUT_MS - 20);
    expect(ms).toBeLessThan(STORE_TIMEOUT_MS + 1_000);
    expect(o.failed).toEqual(['slack']);
    s.shutdown!();
  });

  it('uses the shared store while it answers', async () => {
    const o = outage();
    let n = 0;
    const shared: Store = {
      increment: async () => ({ totalHits: ++n, resetTime: new Date(Date.now() + 60_000) }),
      decrement: async () => undefined,
      resetKey: async () => undefined,
    };
    const s = sharedOrLocal(shared, 'api-address', { log: o.log, failed: o.record });
    await s.init!(options);
    await s.increment('ip:1');
    expect((await s.increment('ip:1')).totalHits).toBe(2);
    expect(o.failed).toEqual([]);
    s.shutdown!();
  });
});
