/**
 * `npm run test:model -- [--runs N] [--steps N] [--seed S --path P]`: the model-based test of
 * production histories (test/model/histories.test.ts) on its own — a soak with `--runs 1000`, or the
 * replay of a failure with the seed and path it printed. PostgreSQL and Redis as for `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    steps: { type: 'string' },
    seed: { type: 'string' },
    path: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('usage: npm run test:model -- [--runs N] [--steps N] [--seed S --path P]');
  process.exit(0);
}
const runs = Number(values.runs ?? 24);
const env: NodeJS.ProcessEnv = {
  ...process.env,
  MODEL_RUNS: String(runs),
  // Each history takes about half a second; shrinking a failure takes many more.
  MODEL_TIMEOUT_MS: String(Math.max(600_000, runs * 5_000)),
};
if (values.steps) env.MODEL_STEPS = values.steps;
if (values.seed) env.MODEL_SEED = values.seed;
if (values.path) env.MODEL_PATH = values.path;
const result = spawnSync('npx', ['vitest', 'run', '--project', 'model', 'test/model/histories.test.ts'], {
  stdio: 'inherit',
  env,
});
process.exit(result.status ?? 1);
