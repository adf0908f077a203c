/**
 * An error as PostgreSQL reports it: the SQLSTATE, and the constraint it names when there is one.
 * The model raises these where PostgreSQL would; the real interpreter turns node-postgres errors
 * into the same class, so a workflow's error handling reads the same in both worlds.
 */
export class SqlError extends Error {
  override readonly name = 'SqlError';

  constructor(
    /** SQLSTATE, e.g. 23503 (foreign key), 23502 (not null), 23514 (check). */
    readonly code: string,
    message: string,
    readonly constraint?: string,
  ) {
    super(message);
  }
}

export const SQLSTATE = {
  notNullViolation: '23502',
  foreignKeyViolation: '23503',
  uniqueViolation: '23505',
  checkViolation: '23514',
} as const;
