import type pg from 'pg';
import type { RequiredQuery } from '../queries/required.js';
import type { NamedQuery } from '../sqlc/loader.js';

export type Row = Record<string, unknown>;

/** What a query returns, shaped by its sqlc kind, as sqlc's generated Go code would see it. */
export type QueryResult =
  | { readonly kind: 'one'; readonly row: Row | null }
  | { readonly kind: 'many'; readonly rows: readonly Row[] }
  | { readonly kind: 'exec' };

/** Runs a loaded query with its arguments in position order ($1 first). */
export async function runQuery(client: pg.ClientBase, query: NamedQuery, values: readonly unknown[]): Promise<QueryResult> {
  const { rows } = await client.query<Row>({ text: query.sql, values: [...values] });
  switch (query.kind) {
    case 'one':
      return { kind: 'one', row: rows[0] ?? null };
    case 'many':
      return { kind: 'many', rows };
    case 'exec':
      return { kind: 'exec' };
  }
}

/**
 * Orders arguments given by name as the tool's contract for that query lists its parameters.
 * Binding by the contract, not by the names a user's file happens to infer, means an edited
 * query only has to keep the number and order of its parameters.
 */
export function bindArguments(contract: RequiredQuery, args: Readonly<Record<string, unknown>>): unknown[] {
  const unexpected = Object.keys(args).filter((name) => !contract.params.includes(name));
  const missing = contract.params.filter((name) => !(name in args));
  if (unexpected.length > 0 || missing.length > 0) {
    throw new Error(`${contract.name}: arguments do not match its parameters (missing: ${missing.join(', ') || '-'}; unexpected: ${unexpected.join(', ') || '-'})`);
  }
  return contract.params.map((name) => args[name]);
}
