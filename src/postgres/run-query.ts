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
export async function runQuery(client: pg.ClientBase, query: NamedQuery, values: readonly unknown[], hidden?: HiddenColumns): Promise<QueryResult> {
  return (await runCountedQuery(client, query, values, hidden)).result;
}

/** runQuery, and PostgreSQL's row count whatever the query's kind (null when the command has none). */
export async function runCountedQuery(client: pg.ClientBase, query: NamedQuery, values: readonly unknown[], hidden?: HiddenColumns): Promise<{ result: QueryResult; rowCount: number | null }> {
  const kind = resultKind(query.kind);
  // Only the queries chatcheck calls reach here, and a contract never accepts these commands.
  if (kind === undefined) throw new Error(`${query.name}: chatcheck does not run :${query.kind} queries`);
  const answer = await client.query<Row>({ name: statementName(query.sql), text: query.sql, values: [...values] });
  const { rowCount } = answer;
  const rows = hidden === undefined || hidden.size === 0 ? answer.rows : withoutHidden(answer.rows, answer.fields, hidden);
  return { result: shaped(kind, query, rows, rowCount), rowCount };
}

/** The rows as the query's sqlc kind hands them to the caller. */
function shaped(kind: QueryResult['kind'], query: NamedQuery, rows: Row[], rowCount: number | null): QueryResult {
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
 * Columns of the modelled tables that the model does not know — added by a real project's
 * migrations (`ALTER TABLE chat_message ADD COLUMN metadata jsonb …`) — as `tableOid:attnum`.
 */
export type HiddenColumns = ReadonlySet<string>;

/**
 * The rows without the result columns that are plain references to a hidden column: PostgreSQL
 * names each result column's source (table OID and column number; 0 for an expression), so a
 * `SELECT *` or `RETURNING *` loses exactly those, wherever they stand, and an expression or a
 * column of another table with the same name is kept.
 */
function withoutHidden(rows: Row[], fields: readonly pg.FieldDef[], hidden: HiddenColumns): Row[] {
  const drop = new Set(fields.filter((field) => hidden.has(`${field.tableID}:${field.columnID}`)).map((field) => field.name));
  // Two result columns of one name are one key of the row: keep it when either is not hidden.
  for (const field of fields) if (drop.has(field.name) && !hidden.has(`${field.tableID}:${field.columnID}`)) drop.delete(field.name);
  if (drop.size === 0) return rows;
  return rows.map((row) => {
    const kept: Row = {};
    for (const key of Object.keys(row)) if (!drop.has(key)) kept[key] = row[key];
    return kept;
  });
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
