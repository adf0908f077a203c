import { parseSync } from 'libpg-query';
import type { A_Expr, ColumnRef, LockClauseStrength, Node, RangeVar, SelectStmt } from 'libpg-query';
import { splitAnnotatedBlocks } from '../sqlc/annotations.js';
import type { FileMutant } from './mutant.js';
import {
  loadParser,
  parseStatements,
  rewriteStatement,
  sqlFragment,
  stringLiteral,
  stringOf,
  tablesOf,
  walkNodes,
  type NodeVisit,
  type Statement,
  type TableColumn,
} from './sql-ast.js';

/**
 * The SQL mutant catalogue: small wrong versions of the queries under test, one change each, of the
 * kinds a hand edit or a bad merge makes — a lost WHERE condition, a flipped sort, a weaker lock.
 */

interface SourceFile {
  readonly name: string;
  readonly text: string;
}

/**
 * Every mutant of every query in `files` (query files by base name), in file order, query order,
 * then operator by operator (the order of OPERATORS), each operator's changes in tree-walk order.
 * `schema` (the migrations) gives column types and lets unqualified columns be matched to their
 * table; without it, compare-other-column makes no mutants.
 *
 * Id: `sql:<Query>:<operator>:<n>`, n counting that operator's changes in the query from 1; a change
 * that comes out the same as the original, or that chatcheck could not run, keeps its number and
 * makes no mutant, so the other ids do not move.
 */
export async function sqlMutants(files: readonly SourceFile[], schema: readonly SourceFile[] = []): Promise<FileMutant[]> {
  await loadParser();
  const tables = tablesOf(schema);
  return files.flatMap((file) => {
    const statements = parseStatements(file.text);
    const context: QueryContext = { tables, literals: columnLiterals(statements, tables) };
    const names = queryNames(file, statements);
    return statements.flatMap((statement, index) => queryMutants(file, statement, names[index]!, context));
  });
}

/** One way to change a query: what it does (one line, SQL deparsed), and doing it. */
interface Edit {
  readonly change: string;
  readonly apply: () => void;
}

/** What operators know besides the statement's tree. */
interface QueryContext {
  readonly tables: ReadonlyMap<string, readonly TableColumn[]>;
  /** The string literals the file compares each column with or writes to it (`table.column`), first seen first. */
  readonly literals: ReadonlyMap<string, readonly string[]>;
}

/** Finds the places an operator applies in `tree`, each as an edit of `tree` itself. */
interface Operator {
  readonly name: string;
  readonly edits: (tree: Node, context: QueryContext) => Edit[];
}

function queryMutants(file: SourceFile, statement: Statement, query: string, context: QueryContext): FileMutant[] {
  const parameters = parameterSignature(statement.node);
  const mutants: FileMutant[] = [];
  for (const operator of OPERATORS) {
    const count = operator.edits(structuredClone(statement.node), context).length;
    for (let n = 1; n <= count; n++) {
      // Each edit on a fresh copy: the walk finds the same places in the same order every time.
      const tree = structuredClone(statement.node);
      const edit = operator.edits(tree, context)[n - 1]!;
      edit.apply();
      const id = `sql:${query}:${operator.name}:${n}`;
      const rewritten = rewriteStatement(file.text, statement, tree, id);
      // chatcheck binds arguments by position, so a mutant must keep every parameter (a dropping
      // operator keeps them in a dead CASE branch where it can; what it cannot is no mutant).
      if (rewritten === undefined || parameterSignature(parseStatements(rewritten.sql)[0]!.node) !== parameters) continue;
      mutants.push({ id, family: 'sql', file: file.name, text: rewritten.text, description: `${query}: ${edit.change}` });
    }
  }
  return mutants;
}

/** Each statement's query name: the last `-- name:` annotation above it. */
function queryNames(file: SourceFile, statements: readonly Statement[]): string[] {
  const { blocks } = splitAnnotatedBlocks(file.text, file.name);
  return statements.map((statement) => {
    const line = file.text.slice(0, statement.start).split('\n').length;
    const block = blocks.findLast((candidate) => candidate.line < line);
    if (block === undefined) throw new Error(`${file.name}:${line}: SQL before the first "-- name:" line belongs to no query`);
    return block.name;
  });
}

// ---------------------------------------------------------------------------------------------
// The operators
// ---------------------------------------------------------------------------------------------

const OPERATORS: readonly Operator[] = [
  {
    name: 'drop-conjunct',
    edits: (tree) =>
      conditions(tree).flatMap((condition) =>
        condition.conjuncts.map((conjunct, index): Edit => {
          const kept = hasParameters(conjunct);
          return {
            change: `${condition.clause} drops "${sqlFragment(conjunct)}"${kept ? KEPT_BOUND : ''}`,
            apply: () => (kept ? condition.replace(index, deadBranch(conjunct, expression('true'))) : condition.remove(index)),
          };
        }),
      ),
  },
  {
    name: 'negate-conjunct',
    // Not `x IS NULL` nor `a = b`: null-test-flip and eq-neq make those negations already.
    edits: (tree) =>
      conditions(tree).flatMap((condition) =>
        condition.conjuncts.flatMap((conjunct, index): Edit[] => {
          if ('NullTest' in conjunct || equalityOperator(conjunct) !== undefined) return [];
          const negated = expression('NOT true');
          (negated as { BoolExpr: { args: Node[] } }).BoolExpr.args = [conjunct];
          return [{ change: `${condition.clause} negates "${sqlFragment(conjunct)}"`, apply: () => condition.replace(index, negated) }];
        }),
      ),
  },
  {
    name: 'in-list-remove',
    edits: (tree) =>
      nodes(tree, 'A_Expr').flatMap(({ node }) => {
        const values = listValues(node.A_Expr);
        if (values === undefined || values.length < 2) return [];
        const whole = sqlFragment(node);
        return values.map((value, index) => ({ change: `"${whole}" drops ${sqlFragment(value)}`, apply: () => values.splice(index, 1) }));
      }),
  },
  {
    name: 'in-list-add',
    edits: (tree, context) =>
      nodes(tree, 'A_Expr').flatMap(({ node, ancestors }) => {
        const { kind, lexpr, rexpr } = node.A_Expr;
        if (kind !== 'AEXPR_IN' || lexpr === undefined || !('ColumnRef' in lexpr) || rexpr === undefined || !('List' in rexpr)) return [];
        const items = rexpr.List.items ?? [];
        const present = items.map(stringLiteral);
        if (present.includes(undefined)) return [];
        const key = columnKey(resolveColumn(lexpr.ColumnRef, ancestors, context.tables), lexpr.ColumnRef);
        const whole = sqlFragment(node);
        return (context.literals.get(key) ?? [])
          .filter((value) => !present.includes(value))
          .map((value) => {
            const added = expression(quoted(value));
            return { change: `"${whole}" adds ${sqlFragment(added)}`, apply: () => items.push(added) };
          });
      }),
  },
  {
    name: 'order-direction',
    edits: (tree) =>
      nodes(tree, 'SortBy').flatMap(({ node }) => {
        const sortBy = node.SortBy;
        if (sortBy.sortby_dir === 'SORTBY_USING') return [];
        const flipped = sortBy.sortby_dir === 'SORTBY_DESC' ? 'SORTBY_ASC' : 'SORTBY_DESC';
        const after = sqlFragment({ SortBy: { ...sortBy, sortby_dir: flipped } });
        return [{ change: `ORDER BY "${sqlFragment(node)}" becomes "${after}"`, apply: () => (sortBy.sortby_dir = flipped) }];
      }),
  },
  {
    name: 'drop-order-item',
    edits: (tree) =>
      nodes(tree, 'SelectStmt').flatMap(({ node }): Edit[] => {
        const select = node.SelectStmt;
        const items = select.sortClause ?? [];
        if (items.length === 1) return [{ change: `drops ORDER BY "${sqlFragment(items[0]!)}"`, apply: () => delete select.sortClause }];
        return items.map((item, index) => ({ change: `ORDER BY drops "${sqlFragment(item)}"`, apply: () => items.splice(index, 1) }));
      }),
  },
  {
    name: 'drop-limit',
    edits: (tree) =>
      nodes(tree, 'SelectStmt').flatMap(({ node }) => {
        const select = node.SelectStmt;
        if (select.limitCount === undefined) return [];
        return [
          {
            change: `drops "LIMIT ${sqlFragment(select.limitCount)}"`,
            apply: () => {
              delete select.limitCount;
              if (select.limitOffset === undefined) select.limitOption = 'LIMIT_OPTION_DEFAULT';
            },
          },
        ];
      }),
  },
  {
    name: 'drop-nulls-order',
    edits: (tree) =>
      nodes(tree, 'SortBy').flatMap(({ node }) => {
        const sortBy = node.SortBy;
        if (sortBy.sortby_nulls === undefined || sortBy.sortby_nulls === 'SORTBY_NULLS_DEFAULT') return [];
        return [{ change: `ORDER BY "${sqlFragment(node)}" drops its NULLS ordering`, apply: () => (sortBy.sortby_nulls = 'SORTBY_NULLS_DEFAULT') }];
      }),
  },
  coalesceOperator('coalesce-first', 0),
  coalesceOperator('coalesce-second', 1),
  {
    name: 'null-test-flip',
    edits: (tree) =>
      nodes(tree, 'NullTest').map(({ node }) => {
        const test = node.NullTest;
        const flipped = test.nulltesttype === 'IS_NULL' ? 'IS_NOT_NULL' : 'IS_NULL';
        const after = sqlFragment({ NullTest: { ...test, nulltesttype: flipped } });
        return { change: `"${sqlFragment(node)}" becomes "${after}"`, apply: () => (test.nulltesttype = flipped) };
      }),
  },
  {
    name: 'compare-other-column',
    // One deterministic alternative per comparison: the first other column of the table, in table
    // order, of the same type (what a slip of the pen between `id` and `agent_id` looks like).
    edits: (tree, context) =>
      nodes(tree, 'A_Expr').flatMap(({ node, ancestors }) => {
        if (equalityOperator(node) !== '=') return [];
        const { lexpr, rexpr } = node.A_Expr;
        const ref = lexpr !== undefined && 'ColumnRef' in lexpr ? lexpr.ColumnRef : rexpr !== undefined && 'ColumnRef' in rexpr ? rexpr.ColumnRef : undefined;
        const resolved = ref && resolveColumn(ref, ancestors, context.tables);
        const columns = resolved && context.tables.get(resolved.table);
        const type = columns?.find((column) => column.name === resolved!.column)?.type;
        const other = columns?.find((column) => column.name !== resolved!.column && column.type === type);
        if (ref === undefined || other === undefined) return [];
        const before = sqlFragment(node);
        return [
          {
            change: `"${before}" compares ${other.name} instead of ${resolved!.column}`,
            apply: () => (ref.fields![ref.fields!.length - 1] = { String: { sval: other.name } }),
          },
        ];
      }),
  },
  {
    name: 'eq-neq',
    edits: (tree) =>
      nodes(tree, 'A_Expr').flatMap(({ node }) => {
        const operator = equalityOperator(node);
        if (operator === undefined) return [];
        const swapped = operator === '=' ? '<>' : '=';
        const after = sqlFragment({ A_Expr: { ...node.A_Expr, name: [{ String: { sval: swapped } }] } });
        return [{ change: `"${sqlFragment(node)}" becomes "${after}"`, apply: () => (node.A_Expr.name = [{ String: { sval: swapped } }]) }];
      }),
  },
  {
    name: 'drop-set-item',
    // The column keeps its old value. `col = now()` is set-old-value's; a lone item becomes
    // `col = col` (SET cannot be empty), as does one whose parameters must stay bound.
    edits: (tree) =>
      setItems(tree).flatMap(({ items, index, column, value }) => {
        if (isNow(value)) return [];
        const kept = hasParameters(value);
        const keepOldValue = () => (items[index] = setItem(column, kept ? deadBranch(value, columnRef(column)) : columnRef(column)));
        return [
          {
            change: `SET drops "${column} = ${sqlFragment(value)}"${kept ? KEPT_BOUND : ''}`,
            apply: items.length > 1 && !kept ? () => items.splice(index, 1) : keepOldValue,
          },
        ];
      }),
  },
  {
    name: 'set-old-value',
    edits: (tree) =>
      setItems(tree).flatMap(({ items, index, column, value }) =>
        isNow(value) ? [{ change: `SET "${column} = ${sqlFragment(value)}" becomes "${column} = ${column}"`, apply: () => (items[index] = setItem(column, columnRef(column))) }] : [],
      ),
  },
  {
    name: 'lock-strength',
    // Every other strength, then no lock at all (which also drops SKIP LOCKED).
    edits: (tree) =>
      nodes(tree, 'SelectStmt').flatMap(({ node }) => {
        const select = node.SelectStmt;
        return (select.lockingClause ?? []).flatMap((clause, index) => {
          if (!('LockingClause' in clause)) return [];
          const locking = clause.LockingClause;
          const current = locking.strength ?? 'LCS_NONE';
          const others = LOCK_STRENGTHS.filter((strength) => strength !== current);
          return [
            ...others.map((strength) => ({ change: `${LOCK_SQL[current]} becomes ${LOCK_SQL[strength]}`, apply: () => (locking.strength = strength) })),
            { change: `drops ${LOCK_SQL[current]}`, apply: () => removeLockingClause(select, index) },
          ];
        });
      }),
  },
  {
    name: 'drop-skip-locked',
    edits: (tree) =>
      nodes(tree, 'LockingClause').flatMap(({ node }) => {
        const locking = node.LockingClause;
        if (locking.waitPolicy !== 'LockWaitSkip') return [];
        return [{ change: `"${sqlFragment(node)}" drops SKIP LOCKED`, apply: () => (locking.waitPolicy = 'LockWaitBlock') }];
      }),
  },
  {
    name: 'join-type',
    edits: (tree) =>
      nodes(tree, 'JoinExpr').flatMap(({ node }) => {
        const join = node.JoinExpr;
        // A CROSS JOIN (no ON, no USING) has no LEFT form.
        if (join.quals === undefined && join.usingClause === undefined) return [];
        const flipped = join.jointype === 'JOIN_INNER' ? 'JOIN_LEFT' : join.jointype === 'JOIN_LEFT' ? 'JOIN_INNER' : undefined;
        if (flipped === undefined) return [];
        const after = sqlFragment({ JoinExpr: { ...join, jointype: flipped } });
        return [{ change: `"${sqlFragment(node)}" becomes "${after}"`, apply: () => (join.jointype = flipped) }];
      }),
  },
  {
    name: 'drop-returning-column',
    // Only a RETURNING list of explicit columns: RETURNING * has no column to drop, and a lone
    // column cannot go (a :one writer must return something).
    edits: (tree) =>
      returningLists(tree).flatMap((items) => {
        if (items.length < 2 || items.some(isStar)) return [];
        return items.map((item, index) => ({ change: `RETURNING drops "${sqlFragment(returnedValue(item))}"`, apply: () => items.splice(index, 1) }));
      }),
  },
];

/** `COALESCE(a, b)` becomes `a` (keep 0) or `b` (keep 1). Only two-argument COALESCE. */
function coalesceOperator(name: string, keep: 0 | 1): Operator {
  return {
    name,
    edits: (tree) =>
      nodes(tree, 'CoalesceExpr').flatMap(({ node, replace }) => {
        const args = node.CoalesceExpr.args ?? [];
        if (args.length !== 2) return [];
        const kept = args[keep]!;
        const dropped = args[1 - keep]!;
        const bound = hasParameters(dropped);
        return [{ change: `"${sqlFragment(node)}" becomes "${sqlFragment(kept)}"${bound ? KEPT_BOUND : ''}`, apply: () => replace(bound ? deadBranch(dropped, kept) : kept) }];
      }),
  };
}

const LOCK_STRENGTHS: readonly LockClauseStrength[] = ['LCS_FORUPDATE', 'LCS_FORNOKEYUPDATE', 'LCS_FORSHARE', 'LCS_FORKEYSHARE'];

const LOCK_SQL: Readonly<Record<LockClauseStrength, string>> = {
  LCS_NONE: 'no lock',
  LCS_FORUPDATE: 'FOR UPDATE',
  LCS_FORNOKEYUPDATE: 'FOR NO KEY UPDATE',
  LCS_FORSHARE: 'FOR SHARE',
  LCS_FORKEYSHARE: 'FOR KEY SHARE',
};

function removeLockingClause(select: SelectStmt, index: number): void {
  select.lockingClause!.splice(index, 1);
  if (select.lockingClause!.length === 0) delete select.lockingClause;
}

// ---------------------------------------------------------------------------------------------
// Where operators apply
// ---------------------------------------------------------------------------------------------

type NodeType = Node extends infer N ? (N extends unknown ? keyof N & string : never) : never;
type NodeOfType<T extends NodeType> = Extract<Node, Record<T, unknown>>;

/** Every node of one type under `tree`, in tree-walk order. */
function nodes<T extends NodeType>(tree: Node, type: T): (NodeVisit & { node: NodeOfType<T> })[] {
  const found: (NodeVisit & { node: NodeOfType<T> })[] = [];
  walkNodes(tree, (visit) => {
    if (type in visit.node) found.push(visit as NodeVisit & { node: NodeOfType<T> });
  });
  return found;
}

/** A WHERE or JOIN ON condition as its top-level AND conjuncts, with the two edits made on them. */
interface Condition {
  /** `WHERE`, `subquery WHERE` or `JOIN ON`, for descriptions. */
  readonly clause: string;
  readonly conjuncts: readonly Node[];
  readonly remove: (index: number) => void;
  readonly replace: (index: number, conjunct: Node) => void;
}

function conditions(tree: Node): Condition[] {
  const found: Condition[] = [];
  walkNodes(tree, ({ node, ancestors }) => {
    const inSubquery = ancestors.some((ancestor) => 'SubLink' in ancestor || 'RangeSubselect' in ancestor);
    const where = 'SelectStmt' in node ? node.SelectStmt : 'UpdateStmt' in node ? node.UpdateStmt : 'DeleteStmt' in node ? node.DeleteStmt : undefined;
    if (where?.whereClause !== undefined) {
      found.push(condition(inSubquery ? 'subquery WHERE' : 'WHERE', where.whereClause, (value) => (value === undefined ? delete where.whereClause : (where.whereClause = value))));
    }
    if ('JoinExpr' in node && node.JoinExpr.quals !== undefined) {
      const join = node.JoinExpr;
      // ON cannot be empty: dropping its only conjunct leaves ON true.
      found.push(condition('JOIN ON', join.quals!, (value) => (join.quals = value ?? expression('true'))));
    }
  });
  return found;
}

function condition(clause: string, whole: Node, set: (value: Node | undefined) => void): Condition {
  const and = 'BoolExpr' in whole && whole.BoolExpr.boolop === 'AND_EXPR' ? whole.BoolExpr : undefined;
  if (and === undefined) return { clause, conjuncts: [whole], remove: () => set(undefined), replace: (_, conjunct) => set(conjunct) };
  const args = and.args!;
  return {
    clause,
    conjuncts: [...args],
    remove: (index) => {
      args.splice(index, 1);
      // The parser never makes a one-argument AND.
      if (args.length === 1) set(args[0]);
    },
    replace: (index, conjunct) => (args[index] = conjunct),
  };
}

/** One `SET column = value` item of an UPDATE, and the list holding it. */
interface SetItem {
  readonly items: Node[];
  readonly index: number;
  readonly column: string;
  readonly value: Node;
}

function setItems(tree: Node): SetItem[] {
  return nodes(tree, 'UpdateStmt').flatMap(({ node }) => {
    const items = node.UpdateStmt.targetList ?? [];
    return items.flatMap((item, index): SetItem[] => {
      // Not `SET (a, b) = …` nor `SET a[1] = …`: only a plain column takes a plain value.
      if (!('ResTarget' in item) || item.ResTarget.indirection !== undefined || item.ResTarget.val === undefined) return [];
      if ('MultiAssignRef' in item.ResTarget.val) return [];
      return [{ items, index, column: item.ResTarget.name!, value: item.ResTarget.val }];
    });
  });
}

function returningLists(tree: Node): Node[][] {
  const lists: Node[][] = [];
  walkNodes(tree, ({ node }) => {
    const statement = 'InsertStmt' in node ? node.InsertStmt : 'UpdateStmt' in node ? node.UpdateStmt : 'DeleteStmt' in node ? node.DeleteStmt : undefined;
    if (statement?.returningList !== undefined) lists.push(statement.returningList);
  });
  return lists;
}

/** The values of `x IN (…)` or `x = ANY(ARRAY[…])`, as the list the tree holds them in. */
function listValues(expr: A_Expr): Node[] | undefined {
  const { kind, rexpr } = expr;
  if (kind === 'AEXPR_IN' && rexpr !== undefined && 'List' in rexpr) return rexpr.List.items;
  if (kind === 'AEXPR_OP_ANY' && rexpr !== undefined && 'A_ArrayExpr' in rexpr) return rexpr.A_ArrayExpr.elements;
  return undefined;
}

/** `=` or `<>` (also written `!=`) for a plain binary comparison. */
function equalityOperator(node: Node): '=' | '<>' | undefined {
  if (!('A_Expr' in node) || node.A_Expr.kind !== 'AEXPR_OP' || node.A_Expr.name?.length !== 1) return undefined;
  const operator = stringOf(node.A_Expr.name[0]);
  return operator === '=' || operator === '<>' ? operator : undefined;
}

function isNow(node: Node): boolean {
  if ('SQLValueFunction' in node) return node.SQLValueFunction.op === 'SVFOP_CURRENT_TIMESTAMP';
  if (!('FuncCall' in node) || (node.FuncCall.args?.length ?? 0) > 0) return false;
  const name = (node.FuncCall.funcname ?? []).map(stringOf);
  return name.at(-1) === 'now' && (name.length === 1 || name[0] === 'pg_catalog');
}

function isStar(item: Node): boolean {
  const value = returnedValue(item);
  return 'ColumnRef' in value && (value.ColumnRef.fields ?? []).some((field) => 'A_Star' in field);
}

function returnedValue(item: Node): Node {
  return 'ResTarget' in item && item.ResTarget.val !== undefined ? item.ResTarget.val : item;
}

// ---------------------------------------------------------------------------------------------
// Columns and their tables
// ---------------------------------------------------------------------------------------------

/** A table in a FROM (or UPDATE, DELETE, INSERT target), and the name the query calls it by. */
interface Relation {
  readonly table: string;
  readonly name: string;
}

/**
 * The table a column reference reads, the way PostgreSQL finds it: by its qualifier, or else the
 * one table in scope that has such a column; innermost query first, so a subquery sees its outer
 * query's tables. Without the schema, an unqualified column belongs to a scope's only table.
 */
function resolveColumn(ref: ColumnRef, ancestors: readonly Node[], tables: QueryContext['tables']): { table: string; column: string } | undefined {
  const names = (ref.fields ?? []).map(stringOf);
  const column = names.at(-1);
  if (column === undefined || names.includes(undefined)) return undefined;
  const qualifier = names.at(-2);
  for (const scope of ancestors.map(relationsOf).reverse()) {
    const matches = scope.filter((candidate) =>
      qualifier !== undefined ? candidate.name === qualifier : (tables.get(candidate.table)?.some((known) => known.name === column) ?? scope.length === 1),
    );
    if (matches.length === 1) return { table: matches[0]!.table, column };
    if (matches.length > 1) return undefined;
  }
  return undefined;
}

function relationsOf(node: Node): Relation[] {
  if ('SelectStmt' in node) return fromItems(node.SelectStmt.fromClause);
  if ('UpdateStmt' in node) return [...relation(node.UpdateStmt.relation), ...fromItems(node.UpdateStmt.fromClause)];
  if ('DeleteStmt' in node) return [...relation(node.DeleteStmt.relation), ...fromItems(node.DeleteStmt.usingClause)];
  if ('InsertStmt' in node) return relation(node.InsertStmt.relation);
  return [];
}

function fromItems(items: readonly Node[] | undefined): Relation[] {
  return (items ?? []).flatMap((item) => {
    if ('RangeVar' in item) return relation(item.RangeVar);
    if ('JoinExpr' in item) return fromItems([item.JoinExpr.larg, item.JoinExpr.rarg].filter((side) => side !== undefined));
    return [];
  });
}

function relation(range: RangeVar | undefined): Relation[] {
  const table = range?.relname;
  return table === undefined ? [] : [{ table, name: range!.alias?.aliasname ?? table }];
}

/** `table.column`, or `?.column` when the table is not known. */
function columnKey(resolved: { table: string; column: string } | undefined, ref: ColumnRef): string {
  return resolved !== undefined ? `${resolved.table}.${resolved.column}` : `?.${stringOf(ref.fields?.at(-1))}`;
}

/**
 * The string literals the file compares each column with (`=`, `<>`, IN) or writes to it (UPDATE
 * SET, INSERT): the plausible values in-list-add draws from, e.g. the task statuses.
 */
function columnLiterals(statements: readonly Statement[], tables: QueryContext['tables']): Map<string, string[]> {
  const literals = new Map<string, string[]>();
  const add = (key: string, value: string | undefined): void => {
    if (value === undefined) return;
    const values = literals.get(key) ?? [];
    if (!values.includes(value)) values.push(value);
    literals.set(key, values);
  };
  for (const { node: tree } of statements) {
    walkNodes(tree, ({ node, ancestors }) => {
      if ('A_Expr' in node && (equalityOperator(node) !== undefined || node.A_Expr.kind === 'AEXPR_IN')) {
        const { lexpr, rexpr } = node.A_Expr;
        if (lexpr === undefined || !('ColumnRef' in lexpr) || rexpr === undefined) return;
        const key = columnKey(resolveColumn(lexpr.ColumnRef, ancestors, tables), lexpr.ColumnRef);
        for (const value of 'List' in rexpr ? (rexpr.List.items ?? []) : [rexpr]) add(key, stringLiteral(value));
      }
      if ('UpdateStmt' in node) {
        const table = node.UpdateStmt.relation?.relname;
        for (const item of node.UpdateStmt.targetList ?? []) {
          if ('ResTarget' in item) add(`${table}.${item.ResTarget.name}`, stringLiteral(item.ResTarget.val));
        }
      }
      if ('InsertStmt' in node) {
        const insert = node.InsertStmt;
        const columns = (insert.cols ?? []).map((col) => ('ResTarget' in col ? col.ResTarget.name : undefined));
        const select = insert.selectStmt !== undefined && 'SelectStmt' in insert.selectStmt ? insert.selectStmt.SelectStmt : undefined;
        const rows = select?.valuesLists?.map((row) => ('List' in row ? (row.List.items ?? []) : [])) ?? [(select?.targetList ?? []).map(returnedValue)];
        for (const row of rows) row.forEach((value, i) => add(`${insert.relation?.relname}.${columns[i]}`, stringLiteral(value)));
      }
    });
  }
  return literals;
}

// ---------------------------------------------------------------------------------------------
// Building nodes and keeping parameters
// ---------------------------------------------------------------------------------------------

/** An expression as the parser makes it, so the mutated tree is one the deparsed text parses back to. */
function expression(sql: string): Node {
  const select = parseSync(`SELECT ${sql}`).stmts[0].stmt.SelectStmt as SelectStmt;
  return (select.targetList![0] as { ResTarget: { val: Node } }).ResTarget.val;
}

function quoted(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function columnRef(column: string): Node {
  return { ColumnRef: { fields: [{ String: { sval: column } }] } };
}

function setItem(column: string, value: Node): Node {
  return { ResTarget: { name: column, val: value } };
}

const KEPT_BOUND = ' (its parameters stay bound in a dead CASE branch)';

/**
 * `CASE WHEN false THEN dropped ELSE kept END`: means `kept`, yet still mentions the parameters in
 * `dropped`, whose types PostgreSQL infers from it as before. chatcheck passes arguments by position,
 * so a mutant that lost a parameter could not be run at all.
 */
function deadBranch(dropped: Node, kept: Node): Node {
  const branch = expression('CASE WHEN false THEN NULL ELSE NULL END') as { CaseExpr: { args: { CaseWhen: { result: Node } }[]; defresult: Node } };
  branch.CaseExpr.args[0]!.CaseWhen.result = dropped;
  branch.CaseExpr.defresult = kept;
  return branch as Node;
}

function hasParameters(tree: Node): boolean {
  return parameterUses(tree).length > 0;
}

/** The parameters as chatcheck numbers them: the `$n` used, then named ones in order of first use. */
function parameterSignature(tree: Node): string {
  const uses = parameterUses(tree).sort((a, b) => a.at - b.at);
  const positional = [...new Set(uses.flatMap((use) => (typeof use.name === 'number' ? [use.name] : [])))].sort((a, b) => a - b);
  const named = [...new Set(uses.flatMap((use) => (typeof use.name === 'string' ? [use.name] : [])))];
  return JSON.stringify([positional, named]);
}

/** Every `$n`, `sqlc.arg(x)`, `sqlc.narg(x)` and `@x` under `tree`, with where it is written. */
function parameterUses(tree: Node): { name: number | string; at: number }[] {
  const uses: { name: number | string; at: number }[] = [];
  walkNodes(tree, ({ node }) => {
    if ('ParamRef' in node) uses.push({ name: node.ParamRef.number ?? 0, at: node.ParamRef.location ?? 0 });
    // sqlc.arg(x), sqlc.narg(x) and @x name one parameter x however often and however written.
    if ('FuncCall' in node && stringOf(node.FuncCall.funcname?.[0]) === 'sqlc') {
      const argument = node.FuncCall.args?.[0];
      const name = stringLiteral(argument) ?? bareName(argument);
      if (name !== undefined) uses.push({ name, at: node.FuncCall.location ?? 0 });
    }
    if ('A_Expr' in node && node.A_Expr.lexpr === undefined && stringOf(node.A_Expr.name?.[0]) === '@') {
      const operand = node.A_Expr.rexpr;
      const name = bareName(operand !== undefined && 'TypeCast' in operand ? operand.TypeCast.arg : operand);
      if (name !== undefined) uses.push({ name, at: node.A_Expr.location ?? 0 });
    }
  });
  return uses;
}

function bareName(node: Node | undefined): string | undefined {
  return node !== undefined && 'ColumnRef' in node && node.ColumnRef.fields?.length === 1 ? stringOf(node.ColumnRef.fields[0]) : undefined;
}
