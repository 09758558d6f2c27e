/**
 * `DeliveryBatches` over knex. The `webhooks.deliver` jobs running at once in one worker process
 * share their reads and their plain attempt records: calls are gathered for a couple of
 * milliseconds (DataLoader does the gathering) and each batch is one statement. With 50 jobs in
 * flight this replaces four round trips per delivery (read; BEGIN, record, COMMIT) with two per
 * batch, which is what lets one process deliver well over 1,000 webhooks a second
 * (bench/webhooks-pipeline.ts). Each record statement is atomic on its own, and conditional on the
 * attempt being new, so a job that runs twice still records once.
 */
import DataLoader from 'dataloader';
import type { Knex } from 'knex';
import type { AttemptWrite, DeliveryBatches, DeliveryState } from '../commands/ports.ts';
import { translatePgError } from './errors.ts';
import { webhookRepository } from './repositories/webhooks.ts';

export function deliveryBatches(
  db: Knex,
  options: { windowMs?: number; maxBatchSize?: number } = {},
): DeliveryBatches {
  const repo = webhookRepository(db);
  const windowMs = options.windowMs ?? 2;
  const common = {
    cache: false,
    maxBatchSize: options.maxBatchSize ?? 200,
    batchScheduleFn: (run: () => void) => setTimeout(run, windowMs),
  };
  const translated = <T>(work: Promise<T>) =>
    work.catch((error: unknown) => {
      throw translatePgError(error);
    });

  const loads = new DataLoader<number, DeliveryState | null>(async (ids) => {
    const found = await translated(repo.deliveriesWithEndpoints([...new Set(ids)]));
    return ids.map((id) => found.get(id) ?? null);
  }, common);

  const records = new DataLoader<AttemptWrite, boolean>(async (writes) => {
    // One statement needs distinct deliveries; a second attempt at the same one waits a round.
    let pending = writes.map((write, index) => ({ write, index }));
    const results: (boolean | Error)[] = new Array<boolean | Error>(writes.length).fill(false);
    while (pending.length > 0) {
      const seen = new Set<number>();
      const round = pending.filter(({ write }) => !seen.has(write.deliveryId) && seen.add(write.deliveryId));
      pending = pending.filter((entry) => !round.includes(entry));
      try {
        const recorded = await translated(repo.recordAttemptsOnce(round.map(({ write }) => write)));
        for (const { write, index } of round) results[index] = recorded.has(write.deliveryId);
      } catch {
        // One bad row must not fail the unrelated deliveries that happened to share its batch (their
        // jobs would re-send): record each alone, and let only the bad one's job fail.
        for (const { write, index } of round) {
          try {
            results[index] = (await translated(repo.recordAttemptsOnce([write]))).has(write.deliveryId);
          } catch (error) {
            results[index] = error instanceof Error ? error : new Error(String(error));
          }
        }
      }
    }
    return results;
  }, common);

  return {
    load: (deliveryId) => loads.load(deliveryId),
    record: (write) => records.load(write),
  };
}
