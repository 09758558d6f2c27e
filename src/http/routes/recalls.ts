import * as recalls from '../../commands/recalls.ts';
import type { Recall } from '../../commands/ports.ts';
import { route } from '../route.ts';
import { RecallOut, pageOf } from '../schemas.ts';

const tag = 'Traceability';
const present = (r: Recall) => ({ ...r, report: r.fileKey ? `/api/v1/recalls/${r.id}/report.csv` : null });

export const recallRoutes = [
  route({
    method: 'post',
    path: '/recalls',
    tag,
    command: recalls.createRecall,
    status: 202,
    response: RecallOut,
    present,
    description: 'A worker writes the report and emits `recall.ready`; poll `GET /recalls/{id}`.',
  }),
  route({
    method: 'get',
    path: '/recalls',
    tag,
    command: recalls.listRecalls,
    response: pageOf(RecallOut),
    present: (p: { items: Recall[]; nextCursor: string | null }) => ({ ...p, items: p.items.map(present) }),
  }),
  route({
    method: 'get',
    path: '/recalls/{id}',
    tag,
    command: recalls.getRecall,
    response: RecallOut,
    present,
  }),
  route({
    method: 'post',
    path: '/recalls/{id}/retry',
    tag,
    command: recalls.retryRecall,
    status: 202,
    response: RecallOut,
    present,
    description: 'Writes a failed recall report again (422 for a recall that did not fail).',
  }),
  route({
    method: 'get',
    path: '/recalls/{id}/report.csv',
    tag,
    command: recalls.downloadRecallReport,
    file: { mediaType: 'text/csv' },
  }),
];
