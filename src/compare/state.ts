import type { Row } from '../../model/values.js';
import { RealId } from '../sql/real-values.js';
import type { Comparer, Difference } from './compare.js';

/**
 * Compares a whole database with the model's state, table by table. Rows are paired by id: a real
 * row whose id is mapped is compared with that model row; rows that appeared since the last
 * comparison (unmapped on both sides) are paired by content, learning their ids. Only the columns
 * the model keeps are compared — for the chat tables that is every column.
 */
export function compareTables(
  table: string,
  model: readonly Row[],
  real: readonly Readonly<Record<string, unknown>>[],
  comparer: Comparer,
): Difference | undefined {
  const path = table;
  if (model.length !== real.length) {
    return { path, model: model.map((row) => row.id), real: real.map((row) => String(row.id)), why: `${model.length} rows in the model, ${real.length} in PostgreSQL` };
  }
  const correspondence = comparer.correspondence;
  const byRealId = new Map<RealId, Readonly<Record<string, unknown>>>(real.map((row) => [row.id as RealId, row]));
  const unpairedModel: Row[] = [];
  for (const row of model) {
    const realId = correspondence.realId(String(row.id));
    const counterpart = realId && byRealId.get(realId);
    if (!counterpart) {
      unpairedModel.push(row);
      continue;
    }
    byRealId.delete(realId);
    const difference = comparer.row(row, project(counterpart, row), `${path}[${String(row.id)}]`);
    if (difference) return difference;
  }
  // New rows: the model's, in the order they appeared, each with the first real row it matches.
  const unpairedReal = [...byRealId.values()];
  for (const row of unpairedModel) {
    let matched = -1;
    let firstDifference: Difference | undefined;
    for (let i = 0; i < unpairedReal.length && matched < 0; i++) {
      const difference = comparer.tryRow(row, project(unpairedReal[i]!, row), `${path}[${String(row.id)}]`);
      if (difference === undefined) matched = i;
      else firstDifference ??= difference;
    }
    if (matched < 0) return firstDifference ?? { path: `${path}[${String(row.id)}]`, model: row, real: undefined, why: 'no such row in PostgreSQL' };
    unpairedReal.splice(matched, 1);
  }
  return undefined;
}

/** The real row reduced to the model's columns, in the real row's order. */
function project(real: Readonly<Record<string, unknown>>, model: Row): Record<string, unknown> {
  const projected: Record<string, unknown> = {};
  for (const key of Object.keys(real)) if (key in model) projected[key] = real[key];
  // Columns the model has and PostgreSQL lacks stay missing, so `record` reports them.
  return projected;
}
