/**
 * The live build feed (`src/pages/build-feed.ts`): however many pages follow a build, it is read
 * once per interval; reads never overlap; a build nobody follows any more is not read; a read that
 * fails tells each follower (null).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildFeed } from '../../src/pages/build-feed.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('build feed', () => {
  it('reads a build once per interval for all its followers, and stops when the last leaves', async () => {
    const reads: string[] = [];
    const feed = buildFeed(async (code) => {
      reads.push(code);
      return { code, n: reads.length };
    }, 2_000);
    const seen: { a: unknown[]; b: unknown[]; c: unknown[] } = { a: [], b: [], c: [] };
    const stopA = feed.follow('B1', (b) => seen.a.push(b));
    const stopB = feed.follow('B1', (b) => seen.b.push(b));
    const stopC = feed.follow('B2', (b) => seen.c.push(b));
    expect(feed.following).toBe(2);
    await vi.advanceTimersByTimeAsync(2_000 * 3);
    expect(reads.filter((c) => c === 'B1')).toHaveLength(3);
    expect(reads.filter((c) => c === 'B2')).toHaveLength(3);
    expect(seen.a).toEqual(seen.b);
    expect(seen.a).toHaveLength(3);
    stopA();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(seen.a).toHaveLength(3);
    expect(seen.b).toHaveLength(4);
    stopB();
    stopC();
    expect(feed.following).toBe(0);
    const before = reads.length;
    await vi.advanceTimersByTimeAsync(2_000 * 5);
    expect(reads).toHaveLength(before);
  });

  it('does not start a read while the last one is still out', async () => {
    let inFlight = 0;
    let most = 0;
    let reads = 0;
    const feed = buildFeed(async () => {
      reads++;
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 5_000));
      inFlight--;
      return reads;
    }, 1_000);
    const stop = feed.follow('B1', () => undefined);
    await vi.advanceTimersByTimeAsync(12_000);
    stop();
    expect(most).toBe(1);
    expect(reads).toBeGreaterThan(1);
    expect(reads).toBeLessThanOrEqual(3);
  });

  it('tells each follower when the build can no longer be read', async () => {
    const feed = buildFeed(() => Promise.reject(new Error('gone')), 1_000);
    const seen: unknown[] = [];
    const stop = feed.follow('B1', (b) => seen.push(b));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(seen).toEqual([null]);
    stop();
  });
});
