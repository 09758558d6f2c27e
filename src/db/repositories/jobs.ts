import type { Knex } from 'knex';
import type { JobOutbox } from '../../commands/ports.ts';
import { currentRequestId } from '../../request-context.ts';

export function jobOutbox(db: Knex | Knex.Transaction): JobOutbox {
  const enqueueMany: JobOutbox['enqueueMany'] = async (jobs) => {
    if (jobs.length === 0) return;
    const requestId = currentRequestId() ?? null;
    await db('job_outbox')
      .insert(
        jobs.map((job) => ({
          name: job.name,
          job_id: job.jobId,
          data: JSON.stringify(job.data),
          delay_ms: job.delayMs ?? 0,
          request_id: requestId,
        })),
      )
      .onConflict('job_id')
      .ignore();
  };
  const enqueueOnce: JobOutbox['enqueueOnce'] = async (job) => {
    const inserted = await db('job_outbox')
      .insert({
        name: job.name,
        job_id: job.jobId,
        data: JSON.stringify(job.data),
        delay_ms: 0,
        request_id: currentRequestId() ?? null,
      })
      .onConflict('job_id')
      .ignore()
      .returning('id');
    return inserted.length > 0;
  };
  return { enqueue: (job) => enqueueMany([job]), enqueueMany, enqueueOnce };
}
