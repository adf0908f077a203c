import type { A_Expr, InsertStmt, Node, ResTarget, UpdateStmt } from 'libpg-query';
import { columnName, stringValue, walk } from './ast.js';

/**
 * Names for positional `$n` parameters, taken from the column they obviously stand for — the way
 * sqlc names them in generated code, so callers can pass arguments by name:
 *
 *   INSERT INTO t (a, b) VALUES ($1, $2)   → a, b
 *   WHERE t.a = $1   /   WHERE $1 = a       → a
 *   UPDATE t SET a = $1  (and ON CONFLICT … DO UPDATE SET a = $1) → a
 *
 * Only a bare `$n` counts: `$1::int` or `lower($1)` is not obviously a column. When several places
 * suggest a name for the same `$n`, the one earliest in the text wins.
 */
export function inferPositionalNames(statement: Node | undefined): Map<number, string> {
  const hints: { number: number; name: string; location: number }[] = [];
  const hint = (value: Node | undefined, name: string | undefined): void => {
    if (value === undefined || !('ParamRef' in value) || name === undefined) return;
    const { number = 0, location = 0 } = value.ParamRef;
    hints.push({ number, name, location });
  };
  const hintAssignments = (targets: Node[] | undefined): void => {
    for (const target of targets ?? []) if ('ResTarget' in target) hint(target.ResTarget.val, assignedColumn(target.ResTarget));
  };

  walk(statement, {
    InsertStmt(insert: InsertStmt) {
      const columns = (insert.cols ?? []).map((col) => ('ResTarget' in col ? assignedColumn(col.ResTarget) : undefined));
      const select = insert.selectStmt !== undefined && 'SelectStmt' in insert.selectStmt ? insert.selectStmt.SelectStmt : undefined;
      for (const row of select?.valuesLists ?? []) {
        if ('List' in row) row.List.items?.forEach((item, i) => hint(item, columns[i]));
      }
      hintAssignments(insert.onConflictClause?.targetList);
    },
    UpdateStmt(update: UpdateStmt) {
      hintAssignments(update.targetList);
    },
    A_Expr(expr: A_Expr) {
      if (expr.kind !== 'AEXPR_OP' || expr.name?.length !== 1 || stringValue(expr.name[0]) !== '=') return;
      hint(expr.rexpr, columnOf(expr.lexpr));
      hint(expr.lexpr, columnOf(expr.rexpr));
    },
  });

  const names = new Map<number, string>();
  for (const { number, name } of hints.sort((a, b) => a.location - b.location)) {
    if (!names.has(number)) names.set(number, name);
  }
  return names;
}

/** `SET a = …` or an INSERT column `a`; not `SET a[1] = …` or `SET a.field = …`. */
function assignedColumn(target: ResTarget): string | undefined {
  return target.indirection === undefined ? target.name : undefined;
}

function columnOf(node: Node | undefined): string | undefined {
  return node !== undefined && 'ColumnRef' in node ? columnName(node.ColumnRef) : undefined;
}
