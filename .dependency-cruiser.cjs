/** Architecture checks run by `npm run lint`: no circular imports, and layers point inwards. */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'circular imports hide layering mistakes',
      from: {},
      to: { circular: true },
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
          '^workers',
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
