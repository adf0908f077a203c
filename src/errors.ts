/**
 * A problem the person running chatcheck can fix: bad input, an unreachable server, a broken
 * migration. The CLI prints it as one line — what went wrong, then how to fix it — with no stack
 * trace, and exits with code 2. Anything else that escapes is a bug in chatcheck itself.
 */
export class SetupError extends Error {
  override readonly name = 'SetupError';

  /**
   * @param problem what went wrong, e.g. `src/queries/chat.sql:12: unknown annotation ":one!"`
   * @param fix     what to do about it, e.g. `use :one, :many or :exec`
   */
  constructor(
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${problem} — ${fix}`);
  }
}
