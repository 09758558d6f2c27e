/**
 * Translates PostgreSQL's refusals into domain errors, so a constraint the database enforces reads
 * the same to the user as the check the command would have made.
 */
import { ConflictError, DomainError, RuleViolation } from '../domain/errors.ts';

interface PgError {
  code?: string;
  constraint?: string;
  table?: string;
  detail?: string;
}

const UNIQUE_MESSAGES: Record<string, string> = {
  locations_name_unique: 'a location with this name already exists',
  projects_name_unique: 'a project with this name already exists',
  bom_lines_project_id_part_id_unique: 'a part appears twice in the BOM',
};

const REFERENCED_BY: Record<string, string> = {
  lots: 'lots',
  bom_lines: 'BOM lines',
  projects: 'projects',
  stock_ledger: 'ledger entries',
  builds: 'builds',
};

export function isPgError(error: unknown): error is PgError & Error {
  return typeof error === 'object' && error !== null && typeof (error as PgError).code === 'string';
}

/** Serialization failures, deadlocks and event-numbering races: the transaction may simply run again. */
export function isRetryable(error: unknown): boolean {
  if (!isPgError(error)) return false;
  // Two transactions numbering the same event stream at once: the loser simply runs again.
  if (error.code === '23505' && error.constraint === 'events_stream_sequence_unique') return true;
  return error.code === '40001' || error.code === '40P01';
}

export function translatePgError(error: unknown): unknown {
  if (error instanceof DomainError || !isPgError(error)) return error;
  switch (error.code) {
    case '23505':
      return new ConflictError(
        UNIQUE_MESSAGES[error.constraint ?? ''] ?? `already exists (${error.constraint ?? 'unique'})`,
      );
    case '23503': {
      // On delete the violating table is the referencing one; name it so the user knows what blocks.
      const by = /referenced from table "(\w+)"/.exec(error.detail ?? '')?.[1];
      if (by) return new ConflictError(`still in use: ${REFERENCED_BY[by] ?? by} refer to it`);
      return new ConflictError(
        `refers to something that does not exist (${error.constraint ?? 'foreign key'})`,
      );
    }
    case '23514':
      return new RuleViolation(`refused by the rule ${error.constraint ?? 'check'}`);
    case 'P0001':
      return new RuleViolation((error as Error).message);
    default:
      return error;
  }
}
