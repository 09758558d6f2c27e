/** Work in flight and the reconciler: the doctor's report, and a pass on request (admins). */
import * as work from '../../commands/work.ts';
import { route } from '../route.ts';
import { ReconcileOut, WorkReportOut } from '../schemas.ts';

const tag = 'Operations';

export const workRoutes = [
  route({
    method: 'get',
    path: '/work',
    tag,
    command: work.inspectWork,
    response: WorkReportOut,
    description:
      "What `buildtrace doctor` shows: work the database says is in flight whose queue job is missing, failed or finished without it (`stranded`, with what the reconciler will do), the rules the data must keep (`invariants`; `?invariants=false` skips reading every table), what waits for a person (blocked builds, failed label runs and recalls) and the reconciler's recent redrives and settlements. `problems` is 0 when all is well.",
  }),
  route({
    method: 'post',
    path: '/work/reconcile',
    tag,
    command: work.reconcileWork,
    response: ReconcileOut,
    description:
      'Runs one reconciler pass now (as every worker process does every `RECONCILE_INTERVAL_MS`): stranded work is handed to a fresh job, or settled when it keeps stopping without progress. `pass.ran` is false when another process was reconciling at that moment.',
  }),
];
