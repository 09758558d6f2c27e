export interface JobOutbox {
  /**
   * Requests a job, handed to the queue after the unit of work commits. `jobId` makes the request
   * idempotent: the same id is only ever run once.
   */
  enqueue(job: {
    name: string;
    data: Record<string, unknown>;
    jobId: string;
    delayMs?: number;
  }): Promise<void>;
  /**
   * Like {@link enqueue}, and says whether this call requested it: false when a job with the same id
   * was requested before (by an earlier, committed unit of work — the outbox keeps its rows).
   */
  enqueueOnce(job: { name: string; data: Record<string, unknown>; jobId: string }): Promise<boolean>;
  /** Several requests in one statement. */
  enqueueMany(
    jobs: { name: string; data: Record<string, unknown>; jobId: string; delayMs?: number }[],
  ): Promise<void>;
}
