/**
 * Translates PostgreSQL's refusals into domain errors, so a constraint the database enforces reads
 * the same to the user as the check the command would have made.
 */
import { ConflictError, DomainError, RuleViolation, ValidationError } from '../domain/errors.ts';

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
  parts_gtin_unique: 'another part already has this GTIN',
};

const CHECK_MESSAGES: Record<string, string> = {
  lots_reserved_within_quantity:
    'the stock is reserved for a build whose start was accepted: cancel that build, or wait until it has started',
  lots_quantity_not_negative: 'a quantity cannot go below zero',
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

// Connection-level failures: the server went away (restart, failover, a cut connection) or could not
// be reached. SQLSTATE classes 08 (connection exception) and 57P0x (operator intervention).
const CONNECTION_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND']);
const CONNECTION_MESSAGES =
  /Connection terminated|Connection ended unexpectedly|Client has encountered a connection error|Timeout acquiring a connection|terminating connection due to administrator command/i;

/** The database could not be reached or dropped the connection; the work did not happen, or not all of it. */
export function isConnectionLost(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || /^08|^57P0[123]$/.test(code))) return true;
  return error instanceof Error && CONNECTION_MESSAGES.test(error.message);
}

/**
 * The database is unreachable for now. Not a DomainError: the caller did nothing wrong and may try
 * again (HTTP answers 503 with Retry-After; a job retries with backoff).
 */
export class DatabaseUnavailable extends Error {
  constructor(
    override readonly cause: unknown,
    /** True when the transaction's COMMIT may have reached the server: it may have taken effect. */
    readonly outcomeUnknown = false,
  ) {
    super(
      outcomeUnknown
        ? 'the database connection was lost while committing; the change may or may not have been saved'
        : 'the database is unreachable for the moment',
    );
    this.name = 'DatabaseUnavailable';
  }
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
      return new RuleViolation(
        CHECK_MESSAGES[error.constraint ?? ''] ?? `refused by the rule ${error.constraint ?? 'check'}`,
      );
    case 'P0001':
      // Raised by our triggers for people to read: their words, not the SQL that ran into them.
      return new RuleViolation(
        (error as { serverMessage?: string }).serverMessage ?? (error as Error).message,
      );
    case '22021': // character_not_in_repertoire: a NUL or bytes that are not UTF-8
    case '22P05': // untranslatable_character: the same, inside jsonb
      // The edge refuses such text naming the field; this is the net under it (a path it missed).
      return ValidationError.field(
        '(input)',
        'holds a NUL character or invalid UTF-8 the database cannot store',
      );
    default:
      return error;
  }
}
