/**
 * An error as PostgreSQL reports it: the SQLSTATE, and the constraint it names when there is one.
 * The model raises these where PostgreSQL would; the real interpreter turns node-postgres errors
 * into the same class, so a workflow's error handling reads the same in both worlds.
 */
export class SqlError extends Error {
  /** SQLSTATE, e.g. 23503 (foreign key), 23502 (not null), 23514 (check). */
  readonly code: string;
  readonly constraint: string | undefined;

  constructor(code: string, message: string, constraint?: string) {
    // A SqlError is an answer, not a bug: where in the model it was raised tells nobody anything,
    // and capturing that stack was the model's single most expensive step.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.code = code;
    this.constraint = constraint;
  }
}

SqlError.prototype.name = 'SqlError';

export const SQLSTATE = {
  notNullViolation: '23502',
  foreignKeyViolation: '23503',
  uniqueViolation: '23505',
  checkViolation: '23514',
} as const;
