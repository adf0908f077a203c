import type { InsertStmt, Node, ResTarget, UpdateStmt } from 'libpg-query';
import { loadParser, parseStatements, sqlFragment, stringOf } from './sql-ast.js';

/**
 * What every statement of a set of query files writes into each column, read off the parse tree:
 * the evidence for a schema mutant that no query can ever tell apart (a NOT NULL dropped from a
 * column only non-NULL constants fill, a DEFAULT dropped from a column every INSERT names).
 */

/**
 * How a value reaches a column:
 * - constant: a literal (or a cast of one) that is not NULL; null: the NULL literal;
 * - function: now(), gen_random_uuid() and the like, never NULL;
 * - parameter: whatever the caller passes (`$n`, `@name`, `sqlc.arg(…)`);
 * - copy: the same column of a row of the same table (`INSERT … SELECT col FROM t`);
 * - default: the column's DEFAULT (an INSERT that leaves it out, or DEFAULT); NULL without one;
 * - expression: anything else.
 */
export type WriteSource = 'constant' | 'null' | 'function' | 'parameter' | 'copy' | 'default' | 'expression';

export interface ColumnWrite {
  /** The sqlc name of the query that writes (`-- name: X`), else `<file> statement n`. */
  readonly query: string;
  readonly source: WriteSource;
  /** The value as SQL (`'queued'`, `now()`, `@agent_id`), or `DEFAULT`. */
  readonly sql: string;
  /** A constant's value. */
  readonly value?: string | number | boolean;
}

/** The columns of each table, for the ones an INSERT leaves to their DEFAULT. */
export type TableColumns = ReadonlyMap<string, readonly { readonly name: string }[]>;

/** Every write of every statement in `files`, by `table.column`. */
export async function columnWrites(files: readonly { readonly name: string; readonly text: string }[], tables: TableColumns): Promise<Map<string, ColumnWrite[]>> {
  await loadParser();
  const writes = new Map<string, ColumnWrite[]>();
  const add = (table: string, column: string, write: ColumnWrite) => {
    const key = `${table}.${column}`;
    writes.set(key, [...(writes.get(key) ?? []), write]);
  };
  for (const file of files) {
    parseStatements(file.text).forEach((statement, index, statements) => {
      const query = queryName(file.text.slice(statements[index - 1]?.end ?? 0, statement.start)) ?? `${file.name} statement ${index + 1}`;
      for (const write of statementWrites(statement.node, tables)) add(write[0], write[1], { query, ...describe(write) });
    });
  }
  return writes;
}

/** The function calls that never return NULL and take no part of the row. */
const NON_NULL_FUNCTIONS = new Set(['now', 'clock_timestamp', 'statement_timestamp', 'transaction_timestamp', 'gen_random_uuid']);

/** The one table a statement reads its values from, as named in it: a copy is a column of that table. */
interface Source {
  readonly table: string;
  readonly alias?: string | undefined;
}

type Write = readonly [table: string, column: string, value: Node | 'default', from?: Source];

function statementWrites(node: Node, tables: TableColumns): Write[] {
  if ('InsertStmt' in node) return insertWrites(node.InsertStmt, tables);
  if ('UpdateStmt' in node) return updateWrites(node.UpdateStmt);
  return [];
}

function insertWrites(insert: InsertStmt, tables: TableColumns): Write[] {
  const table = insert.relation?.relname;
  if (table === undefined) return [];
  const named = (insert.cols ?? []).map((col) => ('ResTarget' in col ? col.ResTarget.name! : '?'));
  const select = insert.selectStmt !== undefined && 'SelectStmt' in insert.selectStmt ? insert.selectStmt.SelectStmt : undefined;
  // VALUES (…), (…): each row; INSERT … SELECT: its target list, read from the FROM's first table.
  const rows: (Node | 'default')[][] = select?.valuesLists
    ? select.valuesLists.map((list) => ('List' in list ? (list.List.items ?? []) : []).map(defaulted))
    : select?.targetList
      ? [select.targetList.map((target) => ('ResTarget' in target && target.ResTarget.val ? defaulted(target.ResTarget.val) : 'default'))]
      : [];
  // Only a SELECT from one table can copy: with a join, a column name may be another table's.
  const from = select?.fromClause?.length === 1 ? select.fromClause[0] : undefined;
  const source = from !== undefined && 'RangeVar' in from && from.RangeVar.relname !== undefined ? { table: from.RangeVar.relname, alias: from.RangeVar.alias?.aliasname } : undefined;
  const writes: Write[] = rows.flatMap((values) => named.map((column, i): Write => [table, column, values[i] ?? 'default', source]));
  // Columns the INSERT leaves out take their DEFAULT (NULL without one).
  for (const { name } of tables.get(table) ?? []) if (!named.includes(name)) writes.push([table, name, 'default']);
  for (const target of insert.onConflictClause?.targetList ?? []) if ('ResTarget' in target) writes.push(setWrite(table, target.ResTarget));
  return writes;
}

function updateWrites(update: UpdateStmt): Write[] {
  const table = update.relation?.relname;
  if (table === undefined) return [];
  const source = { table, alias: update.relation?.alias?.aliasname };
  return (update.targetList ?? []).flatMap((target) => ('ResTarget' in target ? [setWrite(table, target.ResTarget, source)] : []));
}

/** `SET column = value`: an UPDATE's `SET c = c` (or ON CONFLICT's) copies the row's own value. */
function setWrite(table: string, target: ResTarget, source: Source = { table }): Write {
  return [table, target.name!, target.val === undefined ? 'default' : defaulted(target.val), source];
}

function defaulted(node: Node): Node | 'default' {
  return 'SetToDefault' in node ? 'default' : node;
}

function describe([table, column, value, from]: Write): Omit<ColumnWrite, 'query'> {
  if (value === 'default') return { source: 'default', sql: 'DEFAULT' };
  const source = classify(value, table, column, from);
  const constant = source === 'constant' ? constantValue(value) : undefined;
  return { source, sql: sqlFragment(value), ...(constant === undefined ? {} : { value: constant }) };
}

function constantValue(node: Node): string | number | boolean | undefined {
  if ('TypeCast' in node && node.TypeCast.arg !== undefined) return constantValue(node.TypeCast.arg);
  if (!('A_Const' in node)) return undefined;
  const constant = node.A_Const;
  return constant.sval?.sval ?? constant.ival?.ival ?? (constant.ival ? 0 : undefined) ?? constant.boolval?.boolval;
}

function classify(node: Node, table: string, column: string, from: Source | undefined): WriteSource {
  if ('TypeCast' in node && node.TypeCast.arg !== undefined) return classify(node.TypeCast.arg, table, column, from);
  if ('A_Const' in node) return node.A_Const.isnull ? 'null' : 'constant';
  if ('ParamRef' in node) return 'parameter';
  // sqlc's @name, which PostgreSQL's grammar reads as the prefix operator @ on a column.
  if ('A_Expr' in node && node.A_Expr.lexpr === undefined && stringOf(node.A_Expr.name?.[0]) === '@') return 'parameter';
  if ('FuncCall' in node) {
    const names = (node.FuncCall.funcname ?? []).map((name) => stringOf(name));
    if (names[0] === 'sqlc') return 'parameter';
    if (NON_NULL_FUNCTIONS.has(names.at(-1) ?? '') && (node.FuncCall.args ?? []).length === 0) return 'function';
  }
  if ('ColumnRef' in node && from?.table === table) {
    const fields = (node.ColumnRef.fields ?? []).map((field) => stringOf(field));
    const qualifier = fields.length === 2 ? fields[0] : undefined;
    const ownTable = fields.length === 1 || qualifier === (from.alias ?? table);
    if (ownTable && fields.at(-1) === column) return 'copy';
  }
  return 'expression';
}

/** The `-- name: X` annotation in the text between a statement and the one before it. */
function queryName(between: string): string | undefined {
  return /--\s*name:\s*(\w+)/.exec(between)?.[1];
}

/**
 * A NOT NULL that no write can test: every value written is a non-NULL constant, a non-NULL
 * function, the column's own value copied, or a DEFAULT that is itself such a value. Returns the
 * evidence as one line, or undefined when some write could be NULL.
 */
export function neverNull(writes: readonly ColumnWrite[], defaultSource: WriteSource | undefined): string | undefined {
  if (writes.length === 0) return undefined;
  const nonNull = (source: WriteSource): boolean => source === 'constant' || source === 'function' || source === 'copy';
  const ok = writes.every((write) => (write.source === 'default' ? defaultSource !== undefined && nonNull(defaultSource) : nonNull(write.source)));
  return ok ? evidence(writes) : undefined;
}

/** A DEFAULT that no write uses: every INSERT names the column with a value of its own. */
export function defaultUnused(writes: readonly ColumnWrite[]): string | undefined {
  if (writes.length === 0 || writes.some((write) => write.source === 'default')) return undefined;
  return evidence(writes);
}

/** `CreateChatTask: 'queued'; ClaimAgentTask: 'dispatched'` — each query's values, once each. */
function evidence(writes: readonly ColumnWrite[]): string {
  const byQuery = new Map<string, Set<string>>();
  for (const write of writes) byQuery.set(write.query, (byQuery.get(write.query) ?? new Set()).add(write.sql));
  return [...byQuery].map(([query, values]) => `${query}: ${[...values].join(', ')}`).join('; ');
}

/** What the migrations say of a column: how its DEFAULT fills it, and its own CHECKs in order. */
export interface ColumnRules {
  readonly default?: Omit<ColumnWrite, 'query'>;
  readonly checks: readonly Node[];
}

/** Every column's DEFAULT and CHECKs (`table.column` →), from the migrations' CREATE TABLEs. */
export async function columnRules(migrations: readonly { readonly name: string; readonly text: string }[]): Promise<Map<string, ColumnRules>> {
  await loadParser();
  const rules = new Map<string, ColumnRules>();
  for (const migration of migrations) {
    for (const { node } of parseStatements(migration.text)) {
      if (!('CreateStmt' in node)) continue;
      const table = node.CreateStmt.relation?.relname;
      for (const element of node.CreateStmt.tableElts ?? []) {
        if (table === undefined || !('ColumnDef' in element)) continue;
        const column = element.ColumnDef.colname!;
        const constraints = (element.ColumnDef.constraints ?? []).flatMap((constraint) => ('Constraint' in constraint ? [constraint.Constraint] : []));
        const fill = constraints.find((constraint) => constraint.contype === 'CONSTR_DEFAULT')?.raw_expr;
        const checks = constraints.flatMap((constraint) => (constraint.contype === 'CONSTR_CHECK' && constraint.raw_expr !== undefined ? [constraint.raw_expr] : []));
        rules.set(`${table}.${column}`, { ...(fill === undefined ? {} : { default: describe([table, column, fill]) }), checks });
      }
    }
  }
  return rules;
}

/**
 * A CHECK that no write can fail: every value written is a constant it allows, the column's own
 * value copied, or a DEFAULT it allows. Only two forms are judged — `column IN (constants)` and
 * `char_length(column) <= n` — any other CHECK is left to the tests. Returns the evidence, or undefined.
 */
export function checkNeverFails(writes: readonly ColumnWrite[], rules: ColumnRules | undefined, check: Node | undefined): string | undefined {
  if (writes.length === 0 || rules === undefined || check === undefined) return undefined;
  const allows = allowedBy(check);
  if (allows === undefined) return undefined;
  const fine = (write: Omit<ColumnWrite, 'query'> | undefined): boolean =>
    write !== undefined && (write.source === 'copy' || (write.source === 'constant' && write.value !== undefined && allows(write.value)));
  return writes.every((write) => (write.source === 'default' ? fine(rules.default) : fine(write))) ? evidence(writes) : undefined;
}

/** What a CHECK of the two judged forms allows, or undefined for any other form. */
function allowedBy(check: Node): ((value: string | number | boolean) => boolean) | undefined {
  if ('A_Expr' in check && check.A_Expr.kind === 'AEXPR_IN' && 'ColumnRef' in (check.A_Expr.lexpr ?? {}) && check.A_Expr.rexpr !== undefined && 'List' in check.A_Expr.rexpr) {
    const allowed = (check.A_Expr.rexpr.List.items ?? []).map((item) => constantValue(item));
    return allowed.includes(undefined) ? undefined : (value) => allowed.includes(value);
  }
  if ('A_Expr' in check && check.A_Expr.kind === 'AEXPR_OP' && stringOf(check.A_Expr.name?.[0]) === '<=') {
    const left = check.A_Expr.lexpr;
    const limit = check.A_Expr.rexpr === undefined ? undefined : constantValue(check.A_Expr.rexpr);
    const isLength = left !== undefined && 'FuncCall' in left && stringOf(left.FuncCall.funcname?.at(-1)) === 'char_length' && 'ColumnRef' in (left.FuncCall.args?.[0] ?? {});
    return isLength && typeof limit === 'number' ? (value) => String(value).length <= limit : undefined;
  }
  return undefined;
}
