import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // Vitest's default in a run is one worker fewer than the cores: on a 2-core machine, one file at a
    // time. Most files mostly wait on PostgreSQL, Redis and the processes they start, so two at a time
    // keep both cores busy; the fault tests (processes killed, services cut, 60 s of mixed load with
    // memory bounds, retry schedules timed) run after them, one at a time, as they were written to.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 180_000 } },
      {
        extends: true,
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          testTimeout: 180_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      { extends: true, test: { name: 'model', include: ['test/model/**/*.test.ts'], testTimeout: 600_000 } },
    ],
  },
});
