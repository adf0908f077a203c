import type { QueryKind } from '../queries/required.js';

/**
 * sqlc's query commands, the word after the name in `-- name: X :command`. Every one loads; which
 * of them chatcheck can run for a query it needs, and what it then compares, is decided here.
 */
export const SQLC_COMMANDS = ['one', 'many', 'exec', 'execrows', 'execresult', 'execlastid', 'batchexec', 'batchmany', 'batchone', 'copyfrom'] as const;

export type SqlcCommand = (typeof SQLC_COMMANDS)[number];

export function isSqlcCommand(word: string): word is SqlcCommand {
  return (SQLC_COMMANDS as readonly string[]).includes(word);
}

/**
 * The commands whose generated Go function gives its caller what a query of this kind gives:
 * a row (`:batchone` per batch item), a list, or no rows (`:execrows` adds the affected-row count,
 * `:execresult` the command tag that carries it). chatcheck runs each once per call, as a plain
 * statement. `:execlastid` (MySQL only) and `:copyfrom` (a bulk INSERT bound row by row) stand in
 * for none of them: such a query loads, is checked, and is not run.
 */
export const COMMANDS_FOR: Readonly<Record<QueryKind, readonly SqlcCommand[]>> = {
  one: ['one', 'batchone'],
  many: ['many', 'batchmany'],
  exec: ['exec', 'execrows', 'execresult', 'batchexec'],
};

/** What running a query of this command returns to chatcheck, or undefined if chatcheck never runs it. */
export function resultKind(command: SqlcCommand): QueryKind | undefined {
  return (Object.keys(COMMANDS_FOR) as QueryKind[]).find((kind) => COMMANDS_FOR[kind].includes(command));
}

/** Whether the caller sees how many rows the statement affected, so the model's count is compared. */
export function reportsRowCount(command: SqlcCommand): boolean {
  return command === 'execrows' || command === 'execresult';
}

/** `:one (or :batchone)`: the commands a query needed as `kind` may be declared with. */
export function describeAccepted(kind: QueryKind): string {
  const [plain, ...others] = COMMANDS_FOR[kind];
  return others.length === 0 ? `:${plain}` : `:${plain} (or ${others.map((command) => `:${command}`).join(', ')})`;
}
