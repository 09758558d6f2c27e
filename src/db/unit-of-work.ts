/**
 * The knex implementation of the commands' unit of work: one transaction per command, repositories
 * bound to it, PostgreSQL's refusals translated to domain errors, and serialization failures or
 * deadlocks retried a few times.
 */
import type { Knex } from 'knex';
import type { BlobStore, FileStore, Repositories, UnitOfWork } from '../commands/ports.ts';
import { isRetryable, translatePgError } from './errors.ts';
import { buildRepository } from './repositories/builds.ts';
import { codeDirectory, idCodeAllocator } from './repositories/codes.ts';
import { eventStore } from './repositories/events.ts';
import { jobOutbox } from './repositories/jobs.ts';
import { labelRunRepository } from './repositories/labels.ts';
import { ledgerRepository } from './repositories/ledger.ts';
import { locationRepository } from './repositories/locations.ts';
import { lotRepository } from './repositories/lots.ts';
import { partRepository } from './repositories/parts.ts';
import { projectRepository } from './repositories/projects.ts';
import { recallRepository } from './repositories/recalls.ts';
import { stockMovements } from './repositories/stock.ts';
import { tokenRepository } from './repositories/tokens.ts';
import { traceRepository } from './repositories/trace.ts';
import { unitRepository } from './repositories/units.ts';
import { attachmentRepository } from './repositories/attachments.ts';
import { deviceRepository } from './repositories/devices.ts';
import { historyRepository, testRepository } from './repositories/history.ts';
import { webhookRepository } from './repositories/webhooks.ts';
import { slackMessageRepository, slackUserRepository } from './repositories/slack.ts';

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
    events: eventStore(db),
    codes: codeDirectory(db),
    builds: buildRepository(db),
    stock: stockMovements(db),
    units: unitRepository(db),
    jobs: jobOutbox(db),
    trace: traceRepository(db),
    recalls: recallRepository(db),
    labels: labelRunRepository(db),
    webhooks: webhookRepository(db),
    slackUsers: slackUserRepository(db),
    slackMessages: slackMessageRepository(db),
    history: historyRepository(db),
    tests: testRepository(db),
    devices: deviceRepository(db),
    attachments: attachmentRepository(db),
    blobs,
    files,
  };
}

const MAX_ATTEMPTS = 4;

export function knexUnitOfWork(db: Knex, files: FileStore, blobs?: BlobStore): UnitOfWork {
  return {
    async transaction(work) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await db.transaction((trx) => work(repositories(db, trx, files, blobs)));
        } catch (error) {
          if (attempt < MAX_ATTEMPTS && isRetryable(error)) {
            await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 20));
            continue;
          }
          throw translatePgError(error);
        }
      }
    },
    async read(work) {
      try {
        return await work(repositories(db, db, files, blobs));
      } catch (error) {
        throw translatePgError(error);
      }
    },
  };
}
