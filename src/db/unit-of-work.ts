/**
 * The knex implementation of the commands' unit of work: one transaction per command, repositories
 * bound to it, PostgreSQL's refusals translated to domain errors, and serialization failures,
 * deadlocks and connections lost before COMMIT (a server restart, a failover) retried a few times.
 */
import type { Knex } from 'knex';
import type { BlobStore, FileStore, Repositories, UnitOfWork } from '../commands/ports.ts';
import { noteWrite } from '../request-context.ts';
import { DatabaseUnavailable, isConnectionLost, isRetryable, translatePgError } from './errors.ts';
import type { ReadReplica } from './replica.ts';
import { buildRepository } from './repositories/builds.ts';
import { codeDirectory, idCodeAllocator } from './repositories/codes.ts';
import { eventStore } from './repositories/events.ts';
import { jobOutbox } from './repositories/jobs.ts';
import { labelRunRepository } from './repositories/labels.ts';
import { printerRepository, printRecordRepository } from './repositories/printers.ts';
import { ledgerRepository } from './repositories/ledger.ts';
import { locationRepository } from './repositories/locations.ts';
import { lotRepository } from './repositories/lots.ts';
import { partRepository } from './repositories/parts.ts';
import { projectRepository } from './repositories/projects.ts';
import { recallRepository } from './repositories/recalls.ts';
import { rowLocks } from './repositories/rows.ts';
import { shipmentRepository } from './repositories/shipments.ts';
import { stockMovements } from './repositories/stock.ts';
import { sessionRepository } from './repositories/sessions.ts';
import { tokenRepository } from './repositories/tokens.ts';
import { traceRepository } from './repositories/trace.ts';
import { unitRepository } from './repositories/units.ts';
import { attachmentRepository } from './repositories/attachments.ts';
import { deviceRepository } from './repositories/devices.ts';
import { historyRepository, testRepository } from './repositories/history.ts';
import { identifierRepository } from './repositories/identifiers.ts';
import { searchRepository } from './repositories/search.ts';
import { webhookRepository } from './repositories/webhooks.ts';
import { slackMessageRepository, slackUserRepository } from './repositories/slack.ts';
import { workRepository } from './repositories/work.ts';

/** Stands in when a process was given no attachment store: refuses to be used. */
const NO_BLOBS: BlobStore = {
  kind: 'local',
  stage: () => Promise.reject(new Error('no attachment store was given to this process')),
  commit: () => Promise.reject(new Error('no attachment store was given to this process')),
  discard: () => Promise.resolve(),
  open: () => Promise.reject(new Error('no attachment store was given to this process')),
};

export function repositories(
  root: Knex,
  db: Knex | Knex.Transaction,
  files: FileStore,
  blobs: BlobStore = NO_BLOBS,
): Repositories {
  return {
    idCodes: idCodeAllocator(root, db),
    parts: partRepository(db),
    locations: locationRepository(db),
    lots: lotRepository(db),
    ledger: ledgerRepository(db),
    projects: projectRepository(db),
    tokens: tokenRepository(db),
    sessions: sessionRepository(db),
    events: eventStore(db),
    codes: codeDirectory(db),
    builds: buildRepository(db),
    stock: stockMovements(db),
    units: unitRepository(db),
    jobs: jobOutbox(db),
    trace: traceRepository(db),
    recalls: recallRepository(db),
    shipments: shipmentRepository(db),
    labels: labelRunRepository(db),
    printers: printerRepository(db),
    prints: printRecordRepository(db),
    webhooks: webhookRepository(db),
    slackUsers: slackUserRepository(db),
    slackMessages: slackMessageRepository(db),
    history: historyRepository(db),
    tests: testRepository(db),
    devices: deviceRepository(db),
    attachments: attachmentRepository(db),
    identifiers: identifierRepository(db),
    search: searchRepository(db),
    work: workRepository(db),
    rows: rowLocks(db),
    blobs,
    files,
  };
}

const MAX_ATTEMPTS = 4;

/**
 * A query the replica cancelled because replaying the primary's changes needed what it was reading
 * (SQLSTATE 40001 on a standby, "conflict with recovery"): asked again, on the primary.
 */
const isReplicaConflict = (error: unknown) =>
  (error as { code?: unknown }).code === '40001' || (error as { code?: unknown }).code === '40P01';

export function knexUnitOfWork(
  db: Knex,
  files: FileStore,
  blobs?: BlobStore,
  replica?: ReadReplica,
): UnitOfWork {
  // Repositories hold nothing but their handle: those of a pool (the primary's, a replica's) are made
  // once, not on every read (a request made two sets of some thirty objects and their closures).
  const pooled = new WeakMap<Knex, Repositories>();
  const reposOf = (on: Knex) => {
    let found = pooled.get(on);
    if (!found) pooled.set(on, (found = repositories(on, on, files, blobs)));
    return found;
  };
  async function read<T>(work: (repos: Repositories) => Promise<T>, reader?: Knex): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      // A replica that fails is not asked again for this read: the retries go to the primary.
      const on = attempt === 1 && reader ? reader : db;
      try {
        return await work(reposOf(on));
      } catch (error) {
        const lost = isConnectionLost(error);
        const replicaFailed = on !== db && (lost || isReplicaConflict(error));
        if (attempt < MAX_ATTEMPTS && (lost || replicaFailed)) {
          if (!replicaFailed) await new Promise((r) => setTimeout(r, 50 * attempt + Math.random() * 20));
          continue;
        }
        if (lost) throw new DatabaseUnavailable(error);
        throw translatePgError(error);
      }
    }
  }
  return {
    async transaction(work) {
      for (let attempt = 1; ; attempt++) {
        // Whether the work got as far as asking for COMMIT: before that, a lost connection means
        // the server rolled the transaction back, and running it again on a fresh one is safe.
        let committing = false;
        try {
          const done = await db.transaction(async (trx) => {
            const result = await work(repositories(db, trx, files, blobs));
            committing = true;
            return result;
          });
          // What the request reads from now on must show what it just wrote.
          noteWrite();
          return done;
        } catch (error) {
          const lost = isConnectionLost(error);
          if (attempt < MAX_ATTEMPTS && (isRetryable(error) || (lost && !committing))) {
            await new Promise((r) => setTimeout(r, (lost ? 50 : 5) * attempt + Math.random() * 20));
            continue;
          }
          if (lost) throw new DatabaseUnavailable(error, committing);
          throw translatePgError(error);
        }
      }
    },
    read: (work) => read(work),
    readMayLag: (work) => read(work, replica?.current()),
  };
}
