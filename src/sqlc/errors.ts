import { SetupError } from '../errors.js';

/**
 * What was wrong with a query file, as a word a test (or a caller) can branch on without
 * matching message text. Each kind of bad input has exactly one reason.
 */
export type QueryFileProblem =
  | 'unreadable' //         the file could not be read at all, or a --queries path names no query file
  | 'malformed' //          a block that is not "-- name: X :kind" + exactly one parsable statement
  | 'unknown-annotation' // a command sqlc does not know, or a sqlc.* macro chatcheck does not support
  | 'duplicate' //          two queries with the same name
  | 'wrong-command' //      a statement that does not fit its sqlc command (sqlc's own checks)
  | 'parameter-count' //    $n with a gap, or a command/arity that does not give what chatcheck requires
  | 'missing'; //           queries chatcheck requires are in none of the files (the problem names the files)

/**
 * A query file chatcheck cannot use. The problem always begins with where to look — `file:line: `,
 * or `file: ` when there is no line to point at (for queries missing from a whole set, the set's
 * files) — so an editor can jump straight to it.
 */
export class QueryFileError extends SetupError {
  constructor(
    readonly reason: QueryFileProblem,
    readonly file: string,
    readonly line: number | undefined,
    what: string,
    fix: string,
  ) {
    super(line === undefined ? `${file}: ${what}` : `${file}:${line}: ${what}`, fix);
  }
}
