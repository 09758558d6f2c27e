/**
 * Two real web processes (`src/main/web.ts`, as a process manager starts them) on one database and
 * one Redis give a token one budget (#19): the (limit+1)-th request across both is a 429 — and both
 * still stop cleanly on SIGTERM, their rate-limit connections closed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { freePort } from '../helpers/ports.ts';
import {
  kill,
  processEnv,
  signalAndWait,
  startProcess,
  waitForOutput,
  type Proc,
} from '../helpers/processes.ts';

const LIMIT = 5;
let ctx: TestContext;
const webs: { proc: Proc; url: string }[] = [];

beforeAll(async () => {
  ctx = await createTestContext();
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    const proc = startProcess(
      'web',
      processEnv(ctx, {
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        RATE_LIMIT_PER_MINUTE: String(LIMIT),
      }),
    );
    webs.push({ proc, url: `http://127.0.0.1:${port}` });
  }
  await Promise.all(webs.map((w) => waitForOutput(w.proc, 'web listening')));
});
afterAll(async () => {
  for (const w of webs) await kill(w.proc);
  await ctx?.close();
});

describe('two web processes', () => {
  it('share one budget per token, and stop cleanly', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) {
      const res = await fetch(`${webs[i % 2]!.url}/api/v1/parts`, {
        headers: { authorization: `Bearer ${ctx.tokens.viewer}` },
      });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(200), 429]);

    const stopped = await Promise.all(webs.map((w) => signalAndWait(w.proc)));
    expect(stopped.map((s) => s.exit)).toEqual([0, 0]);
  });
});
