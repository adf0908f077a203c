import type pg from 'pg';
import type { RequiredQuery } from '../queries/required.js';
import { reportsRowCount, resultKind } from '../sqlc/commands.js';
import type { NamedQuery } from '../sqlc/loader.js';

export type Row = Record<string, unknown>;

/** What a query returns, shaped by its sqlc kind, as sqlc's generated Go code would see it. */
export type QueryResult =
  | { readonly kind: 'one'; readonly row: Row | null }
  | { readonly kind: 'many'; readonly rows: readonly Row[] }
  /** `affected`: PostgreSQL's row count, only for a command that hands it to the caller (`:execrows`, `:execresult`). */
  | { readonly kind: 'exec'; readonly affected?: number };

/**
 * Runs a loaded query with its arguments in position order ($1 first), as a named prepared
 * statement: a connection parses and plans each text once, as sqlc's pgx code does with its
 * statement cache. The name comes from the text, so two files may share a query name.
 */
export async function runQuery(client: pg.ClientBase, query: NamedQuery, values: readonly unknown[]): Promise<QueryResult> {
  const kind = resultKind(query.kind);
  // Only the queries chatcheck calls reach here, and a contract never accepts these commands.
  if (kind === undefined) throw new Error(`${query.name}: chatcheck does not run :${query.kind} queries`);
  const { rows, rowCount } = await client.query<Row>({ name: statementName(query.sql), text: query.sql, values: [...values] });
  switch (kind) {
    case 'one':
      return { kind: 'one', row: rows[0] ?? null };
    case 'many':
      return { kind: 'many', rows };
    case 'exec':
      return reportsRowCount(query.kind) ? { kind: 'exec', affected: rowCount ?? 0 } : { kind: 'exec' };
  }
}

/**
 * Orders arguments given by name as the tool's contract for that query lists its parameters.
 * Binding by the contract, not by the names a user's file happens to infer, means an edited
 * query only has to keep the number and order of its parameters.
 */
export function bindArguments(contract: Pick<RequiredQuery, 'name' | 'params'>, args: Readonly<Record<string, unknown>>): unknown[] {
  const unexpected = Object.keys(args).filter((name) => !contract.params.includes(name));
  const missing = contract.params.filter((name) => !(name in args));
  if (unexpected.length > 0 || missing.length > 0) {
    throw new Error(`${contract.name}: arguments do not match its parameters (missing: ${missing.join(', ') || '-'}; unexpected: ${unexpected.join(', ') || '-'})`);
  }
  return contract.params.map((name) => args[name]);
}

const names = new Map<string, string>();

/** A short stable name for a statement text (FNV-1a), cached. */
function statementName(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    let hash = 0x811c9dc5;
    for (let i = 0; i < sql.length; i++) hash = Math.imul(hash ^ sql.charCodeAt(i), 0x01000193) >>> 0;
    name = `chatcheck_${hash.toString(16)}_${sql.length}`;
    names.set(sql, name);
  }
  return name;
}
