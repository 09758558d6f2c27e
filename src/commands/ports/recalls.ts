import type { Page, PageRequest } from '../../domain/page.ts';
import type { Recall } from '../../domain/recalls.ts';

export interface RecallRepository {
  insert(recall: {
    lotId: number;
    filter: Recall['filter'];
    reason: string;
    requestedBy: string;
  }): Promise<Recall>;
  findById(id: number, options?: { lock?: boolean }): Promise<Recall | null>;
  finish(id: number, outcome: { devices: number; fileKey: string }): Promise<Recall>;
  /** Marks a queued recall failed with the reason. */
  fail(id: number, error: string): Promise<Recall>;
  /** Puts a failed recall back in the queue (a retry). */
  requeue(id: number): Promise<Recall>;
  list(page: PageRequest): Promise<Page<Recall>>;
}
