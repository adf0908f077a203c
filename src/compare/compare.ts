import type { SortKey } from '../../model/sql.js';
import { Elapsed, Instant } from '../../model/values.js';
import { RealId, RealInstant } from '../sql/real-values.js';
import type { Correspondence } from './correspondence.js';

/** Where two values differ, and how: the first difference found, for the report. */
export interface Difference {
  readonly path: string;
  readonly model: unknown;
  readonly real: unknown;
  readonly why: string;
}

/**
 * A sort key of a query, as the model declares it (model/sql.ts): a column of the result, or one
 * read from another row (`from`) when the result does not carry it.
 */
export type OrderKey = SortKey;

/** Reads a sort key's value on a model result row, following `from` into the model's state. */
export type ModelKeyReader = (row: Readonly<Record<string, unknown>>, key: OrderKey) => unknown;

/**
 * Compares model values with real ones, learning ids and times as it goes (see Correspondence):
 * model ids against RealIds, Instants against RealInstants, Elapsed against the number of
 * milliseconds the real timestamps of its two ticks imply; everything else by equality, objects
 * and arrays member by member.
 */
export class Comparer {
  readonly #pending: { path: string; model: Elapsed; real: unknown }[] = [];

  constructor(readonly correspondence: Correspondence) {}

  value(model: unknown, real: unknown, path: string): Difference | undefined {
    const differ = (why: string): Difference => ({ path, model, real, why });
    if (real instanceof RealId) {
      if (typeof model !== 'string') return differ('a UUID where the model has no id');
      const mismatch = this.correspondence.matchId(model, real);
      return mismatch === undefined ? undefined : differ(mismatch);
    }
    if (real instanceof RealInstant) {
      if (!(model instanceof Instant)) return differ('a timestamp where the model has no time');
      const mismatch = this.correspondence.matchTime(model, real);
      return mismatch === undefined ? undefined : differ(mismatch);
    }
    if (model instanceof Elapsed) {
      if (typeof real !== 'number') return differ('elapsed milliseconds expected');
      this.#pending.push({ path, model, real });
      return undefined;
    }
    if (model instanceof Instant) return differ('the model has a time here');
    if (model === null || real === null || typeof model !== 'object' || typeof real !== 'object') {
      return Object.is(model, real) ? undefined : differ('different values');
    }
    if (Array.isArray(model) !== Array.isArray(real)) return differ('an array on one side only');
    if (Array.isArray(model) && Array.isArray(real)) {
      if (model.length !== real.length) return differ(`${model.length} items in the model, ${real.length} in PostgreSQL`);
      for (let i = 0; i < model.length; i++) {
        const difference = this.value(model[i], real[i], `${path}[${i}]`);
        if (difference) return difference;
      }
      return undefined;
    }
    // A JSON document: jsonb keeps its own key order, so only the keys and values matter.
    return this.record(model as Record<string, unknown>, real as Record<string, unknown>, path, false);
  }

  /**
   * A row of a result or a table: the same columns, in the same order — sqlc's generated code
   * scans SELECT * / RETURNING * by position, so column order is behaviour — and corresponding values.
   */
  row(model: unknown, real: unknown, path: string): Difference | undefined {
    if (model === null || real === null || typeof model !== 'object' || typeof real !== 'object') {
      return model === real ? undefined : { path, model, real, why: model === null ? 'no row in the model' : real === null ? 'no row in PostgreSQL' : 'not rows' };
    }
    return this.record(model as Record<string, unknown>, real as Record<string, unknown>, path, true);
  }

  /** Like `row`, but leaves nothing learned behind when the rows differ. */
  tryRow(model: unknown, real: unknown, path: string): Difference | undefined {
    return this.#tentatively(() => this.row(model, real, path));
  }

  /** Objects with the same keys (in the same order when `ordered`) and corresponding values. */
  record(model: Readonly<Record<string, unknown>>, real: Readonly<Record<string, unknown>>, path: string, ordered: boolean): Difference | undefined {
    const modelKeys = Object.keys(model);
    const realKeys = Object.keys(real);
    const missing = modelKeys.filter((key) => !(key in real));
    const extra = realKeys.filter((key) => !(key in model));
    if (missing.length > 0 || extra.length > 0) {
      return { path, model: modelKeys, real: realKeys, why: `columns differ (only in the model: ${missing.join(', ') || '-'}; only in PostgreSQL: ${extra.join(', ') || '-'})` };
    }
    if (ordered && modelKeys.some((key, i) => realKeys[i] !== key)) {
      return { path, model: modelKeys, real: realKeys, why: 'the same columns in a different order' };
    }
    for (const key of modelKeys) {
      const difference = this.value(model[key], real[key], `${path}.${key}`);
      if (difference) return difference;
    }
    return undefined;
  }

  /** Like `value`, but leaves nothing learned behind when the values differ. */
  tryValue(model: unknown, real: unknown, path: string): Difference | undefined {
    return this.#tentatively(() => this.value(model, real, path));
  }

  #tentatively(compare: () => Difference | undefined): Difference | undefined {
    let difference: Difference | undefined;
    const pending = this.#pending.length;
    this.correspondence.attempt(() => {
      difference = compare();
      if (difference) this.#pending.length = pending;
      return difference === undefined;
    });
    return difference;
  }

  /**
   * Two lists that must hold the same rows: paired greedily in model order, each model row with
   * the first unpaired real row it matches. With `order`, the real list must also be sorted by
   * those keys as the model sees them; rows the model ties (equal keys) may come in any order, and
   * real timestamps that tie where the model's ticks differ are accepted too.
   */
  list(
    model: readonly unknown[],
    real: readonly unknown[],
    path: string,
    order?: readonly OrderKey[],
    modelKey: ModelKeyReader = (row, [column]) => row[column],
    /** Elements are rows (column order checked), not JSON values. */
    rows = true,
    /** Filled with, for each real element in turn, the index of its model element. */
    pairing: number[] = [],
  ): Difference | undefined {
    if (model.length !== real.length) {
      return { path, model, real, why: `${model.length} rows in the model, ${real.length} in PostgreSQL` };
    }
    const pairedModelIndex = new Array<number>(real.length).fill(-1);
    for (let m = 0; m < model.length; m++) {
      let found = -1;
      let firstDifference: Difference | undefined;
      for (let r = 0; r < real.length && found < 0; r++) {
        if (pairedModelIndex[r] !== -1) continue;
        const difference = rows ? this.tryRow(model[m], real[r], `${path}[${m}]`) : this.tryValue(model[m], real[r], `${path}[${m}]`);
        if (difference === undefined) found = r;
        else firstDifference ??= difference;
      }
      if (found < 0) return firstDifference ?? { path: `${path}[${m}]`, model: model[m], real: undefined, why: 'no matching row in PostgreSQL' };
      pairedModelIndex[found] = m;
    }
    pairing.push(...pairedModelIndex);
    if (order === undefined || order.length === 0) return undefined;
    const rowOf = (r: number) => model[pairedModelIndex[r]!] as Record<string, unknown>;
    // A key the real row does not carry is read through its model counterpart: its real time is
    // the one the correspondence learned for that tick, so ties show here too.
    const realKey = (r: number, key: OrderKey): unknown => {
      const row = real[r] as Record<string, unknown>;
      if (key[0] in row && key[2] === undefined) return row[key[0]];
      const value = modelKey(rowOf(r), key);
      return value instanceof Instant ? (this.correspondence.micros(value) ?? value.tick) : value;
    };
    for (let r = 1; r < real.length; r++) {
      const modelOrder = compareByKeys(order, (key) => [modelKey(rowOf(r - 1), key), modelKey(rowOf(r), key)], modelKeyValue);
      const realOrder = compareByKeys(order, (key) => [realKey(r - 1, key), realKey(r, key)], realKeyValue);
      // The model says this row sorts strictly before the previous one, and PostgreSQL did not tie them.
      if (modelOrder > 0 && realOrder !== 0) {
        return {
          path: `${path}[${r}]`,
          model: model.map((_, i) => i),
          real: pairedModelIndex,
          why: `rows out of order for ORDER BY ${order.map(([column, direction]) => `${column} ${direction.toUpperCase()}`).join(', ')} (for each real row, the position of its model row)`,
        };
      }
    }
    return undefined;
  }

  /**
   * A workflow's answer: like `value`, but arrays are compared as lists without order. Each array
   * in an answer comes from a query result whose order was already checked at its statement,
   * where ties are understood; the answer itself carries no sort keys to judge ties by.
   */
  outcome(model: unknown, real: unknown, path: string): Difference | undefined {
    if (Array.isArray(model) && Array.isArray(real)) return this.list(model, real, path, undefined, undefined, false);
    if (model !== null && real !== null && typeof model === 'object' && typeof real === 'object' && !Array.isArray(model) && !Array.isArray(real) && !(real instanceof RealId) && !(real instanceof RealInstant) && !(model instanceof Instant) && !(model instanceof Elapsed)) {
      const m = model as Record<string, unknown>;
      const r = real as Record<string, unknown>;
      // A JSON answer: fields in any order (jsonb, e.g. a task's result, keeps its own key order).
      const keys = Object.keys(m);
      const realKeys = Object.keys(r);
      if (keys.length !== realKeys.length || keys.some((key) => !(key in r))) {
        return { path, model: keys, real: realKeys, why: 'different fields' };
      }
      for (const key of keys) {
        const difference = this.outcome(m[key], r[key], `${path}.${key}`);
        if (difference) return difference;
      }
      return undefined;
    }
    return this.value(model, real, path);
  }

  /** Checks every Elapsed whose two ticks now have real times; returns the first that is wrong. */
  settleElapsed(): Difference | undefined {
    for (let i = 0; i < this.#pending.length; i++) {
      const { path, model, real } = this.#pending[i]!;
      const from = this.correspondence.micros(model.from);
      const to = this.correspondence.micros(model.to);
      if (from === undefined || to === undefined) continue;
      this.#pending.splice(i--, 1);
      const expected = Math.max(0, Math.trunc((to - from) / 1000));
      if (expected !== real) return { path, model: `${model} = ${expected}`, real, why: 'elapsed milliseconds differ from the timestamps they derive from' };
    }
    return undefined;
  }
}

type KeyValue = (value: unknown) => number | string | boolean | null;

const modelKeyValue: KeyValue = (value) => (value instanceof Instant ? value.tick : (value as number | string | null));
const realKeyValue: KeyValue = (value) => (value instanceof RealInstant ? value.micros : value instanceof RealId ? value.uuid : (value as number | string | null));

/** -1, 0, 1 as ORDER BY would sort a before, tied with, or after b (NULLs last ascending, first descending). */
function compareByKeys(order: readonly OrderKey[], pair: (key: OrderKey) => readonly [unknown, unknown], key: KeyValue): number {
  for (const sortKey of order) {
    const [a, b] = pair(sortKey);
    const x = key(a ?? null);
    const y = key(b ?? null);
    if (x === y) continue;
    const ascending = x === null ? 1 : y === null ? -1 : x < y ? -1 : 1;
    return sortKey[1] === 'asc' ? ascending : -ascending;
  }
  return 0;
}
