/**
 * ID code generation speed (run with `npx tsx bench/ids.ts`): codes per second from consecutive
 * counter values, on one core, with the installation key. Goal: over 100,000 per second, with no
 * collision retries (the permutation is a bijection).
 */
import { randomBytes } from 'node:crypto';
import { IdCodeGenerator } from '../src/domain/id-code.ts';

const generator = new IdCodeGenerator(randomBytes(32));
const N = 1_000_000;
let best = 0;
let sink = 0;
for (let run = 0; run < 3; run++) {
  const t0 = performance.now();
  for (let i = 1; i <= N; i++) sink += generator.codeFor(run * N + i).length;
  best = Math.max(best, N / ((performance.now() - t0) / 1000));
}
const pass = best > 100_000 && sink > 0;
console.log(
  `ID codes: ${Math.round(best).toLocaleString('en')} codes/s (best of 3 × ${N.toLocaleString('en')}; goal > 100,000/s): ${pass ? 'PASS' : 'FAIL'}`,
);
console.log(JSON.stringify({ bench: 'ids', codesPerSecond: Math.round(best), goal: 100_000, pass }));
