/** Architecture checks run by `npm run lint`: no circular imports, and layers point inwards. */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'circular imports hide layering mistakes',
      from: {},
      // Cycles that exist at run time. A cycle through a type-only import is erased when the code
      // runs; the one such cycle allowed is the next rule's.
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-circular-types',
      severity: 'error',
      comment:
        'type-level cycles too, except through the job catalogue: commands take the names and data ' +
        "types of the jobs they request from the jobs' definitions (src/commands/jobs.ts, a type-only " +
        'import), whose processors call commands — a cycle of types only, declared once',
      from: {},
      to: { circular: true, viaOnly: { pathNot: '^workers/catalogue[.]ts$' } },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      from: { path: '^src/domain' },
      to: {
        path: [
          '^src/(?!domain)',
          '^workers',
          'node_modules/(express|@slack|bullmq|ioredis|knex|pg|pdf-lib|bwip-js)/',
        ],
      },
    },
    {
      name: 'commands-use-ports',
      severity: 'error',
      from: { path: '^src/commands' },
      to: {
        path: [
          '^src/(db|http|queue|slack|main|pages)/',
          'node_modules/(express|@slack|bullmq|ioredis|knex|pg)/',
        ],
      },
    },
    {
      name: 'labels-below-commands',
      severity: 'error',
      comment: 'the label renderer is a lower layer: what it shares with the use cases lives in src/domain',
      from: { path: '^src/labels' },
      to: { path: '^src/commands' },
    },
    {
      name: 'adapters-only-implement-ports',
      severity: 'error',
      comment:
        'storage, queue, webhook and label adapters sit below the use cases: they may implement a ' +
        "port's interface (a type-only import of src/commands/ports), never run a command; what runs " +
        'commands is a transport, a worker (workers/, the reconciler included) or src/main',
      from: { path: '^src/(db|storage|queue|webhooks|labels|printers|config)/' },
      to: { path: '^src/commands', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'commands-do-not-run-workers',
      severity: 'error',
      comment:
        'commands never load the workers; they may take the job types of workers/catalogue.ts ' +
        '(type-only, erased at run time: see src/commands/jobs.ts)',
      from: { path: '^src/commands' },
      to: { path: '^workers', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'commands-see-only-the-job-catalogue',
      severity: 'error',
      comment: 'of the workers, commands see only the types of the job catalogue',
      from: { path: '^src/commands' },
      to: { path: '^workers/(?!catalogue[.]ts$)' },
    },
    {
      name: 'only-main-wires-processes',
      severity: 'error',
      from: { path: '^src/(?!main)' },
      to: { path: '^src/main/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
