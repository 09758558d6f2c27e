/**
 * Errors that carry a meaning for the user. Transports translate them: HTTP into
 * `application/problem+json` with the matching status, Slack into a short ephemeral answer, jobs into
 * BullMQ's `UnrecoverableError` (retrying cannot fix a broken rule).
 */

export interface FieldProblem {
  /** Dotted path of the offending field in the input, e.g. `lines.2.quantity`. */
  field: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly kind: 'validation' | 'not_found' | 'conflict' | 'forbidden' | 'unauthenticated' | 'rule';
  /** Extra, machine-readable details that help the caller (e.g. a shortage list). */
  readonly details: Record<string, unknown> | undefined;
  constructor(message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

/** The input is malformed: a field is missing, ill-typed or out of range. */
export class ValidationError extends DomainError {
  readonly kind = 'validation' as const;
  readonly problems: FieldProblem[];
  constructor(problems: FieldProblem[], details?: Record<string, unknown>) {
    const first = problems[0];
    super(first ? `${first.field}: ${first.message}` : 'invalid input', details);
    this.problems = problems;
  }
  static field(field: string, message: string): ValidationError {
    return new ValidationError([{ field, message }]);
  }
}

/** The named object does not exist. */
export class NotFoundError extends DomainError {
  readonly kind = 'not_found' as const;
  constructor(
    readonly objectKind: string,
    readonly reference: string,
    message?: string,
    /** The input field that named the missing object, when it came from the input. */
    readonly field?: string,
  ) {
    super(message ?? `${objectKind} ${reference} does not exist`);
  }
}

/** The request is well-formed but clashes with the current state (duplicate name, object in use …). */
export class ConflictError extends DomainError {
  readonly kind = 'conflict' as const;
}

/** The request breaks a business rule (would make a quantity negative, not enough stock …). */
export class RuleViolation extends DomainError {
  readonly kind = 'rule' as const;
}

/** The caller is known but their role does not allow this. */
export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden' as const;
}

/** The caller could not be identified. */
export class UnauthenticatedError extends DomainError {
  readonly kind = 'unauthenticated' as const;
}
