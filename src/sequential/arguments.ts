import { schema, type TableName } from '../../model/schema.js';
import type { State } from '../../model/state.js';
import { Instant, type Value } from '../../model/values.js';
import { NOT_A_UUID } from '../../model/workflows/index.js';
import type { Correspondence } from '../compare/correspondence.js';
import type { RealValues } from '../sql/real-values.js';

/**
 * An argument of a generated command, as data that means the same in both worlds and prints
 * readably in a counterexample. Ids are never generated as values: a command says "the 3rd
 * session ever created" (`ref`), "an id no row has" (`unknown`), and each world resolves that to
 * its own id when the command runs.
 */
export type Arg =
  /**
   * The pick-th row of `table` in creation order (modulo their number); negative counts from the
   * newest (-1). With `live`, among the rows that still exist (all rows ever shown when none does).
   * With `by`, in the order of that column instead (a time: `dispatched_at`), among the rows where
   * it is set (all rows, in creation order, when it is set in none): the task claimed last.
   */
  | { readonly ref: TableName; readonly pick: number; readonly live?: true; readonly by?: string }
  | { readonly unknown: number }
  | { readonly notAUuid: true }
  /**
   * A column of the row `of` resolves to, e.g. the creator of a session, so that a caller is
   * usually the one a route expects; `otherwise` when that row does not exist (any more). A row's
   * id when the column is `id` or a foreign key (see namesRow), else a plain value (a name, a slug).
   */
  | { readonly columnOf: Arg; readonly table: TableName; readonly column: string; readonly otherwise: Arg }
  /** A value no earlier row of `table` can have, e.g. for UNIQUE columns: `${prefix}${next id number}`. */
  | { readonly fresh: string; readonly table: TableName }
  | { readonly literal: Value };

export type Args = Readonly<Record<string, Arg>>;

/** Unknown ids are fixed UUIDs, the same on every run, so a counterexample replays exactly. */
export function unknownUuid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/**
 * What a `ref` can point at: rows both worlds have shown so far (they exist, or existed and were
 * deleted), in creation order. An id burnt by a failed insert never showed, so it is not one.
 */
export type KnownIds = (table: TableName) => readonly string[];

/** Resolves arguments for the model: ids are model ids. */
export function modelArgs(args: Args, state: State, known: KnownIds): Record<string, Value> {
  const resolved: Record<string, Value> = {};
  for (const name in args) resolved[name] = modelValue(args[name]!, state, known);
  return resolved;
}

function modelValue(arg: Arg, state: State, known: KnownIds): Value {
  if ('literal' in arg) return arg.literal;
  if ('notAUuid' in arg) return NOT_A_UUID;
  if ('unknown' in arg) return `unknown:${arg.unknown}`;
  if ('fresh' in arg) return `${arg.fresh}${state.lastIds[arg.table] + 1}`;
  if ('columnOf' in arg) {
    const row = state.get(arg.table, modelValue(arg.columnOf, state, known));
    return row === undefined ? modelValue(arg.otherwise, state, known) : (row[arg.column] ?? null);
  }
  const shown = known(arg.ref);
  const live = arg.live === true ? shown.filter((id) => state.get(arg.ref, id) !== undefined) : shown;
  const ids = orderedBy(arg.by, arg.ref, live.length > 0 ? live : shown, state);
  return ids.length === 0 ? 'unknown:0' : ids[((arg.pick % ids.length) + ids.length) % ids.length]!;
}

/** `ids` in the order of column `by` of their rows (a stable sort: ties in creation order), those where it is set; all of them when none is (or no `by`). */
function orderedBy(by: string | undefined, table: TableName, ids: readonly string[], state: State): readonly string[] {
  if (by === undefined) return ids;
  const keyed = ids.flatMap((id) => {
    const value = state.get(table, id)?.[by];
    const key = value instanceof Instant ? value.tick : typeof value === 'number' ? value : undefined;
    return key === undefined ? [] : [{ id, key }];
  });
  return keyed.length === 0 ? ids : keyed.sort((a, b) => a.key - b.key).map(({ id }) => id);
}

/**
 * Resolves arguments for PostgreSQL: each model id goes through the correspondence, which knows
 * every row the run has compared so far; unknown ids are declared on first use.
 */
export function realArgs(args: Args, state: State, correspondence: Correspondence, values: RealValues): Record<string, unknown> {
  const known: KnownIds = (table) => correspondence.knownIds(table);
  const resolved: Record<string, unknown> = {};
  for (const [name, arg] of Object.entries(args)) resolved[name] = realValue(arg, state, known, correspondence, values);
  return resolved;
}

/** Whether an argument resolves to a row's id (which each world has its own of), not to a plain value. */
function namesRow(arg: Arg): boolean {
  if ('columnOf' in arg) return arg.column === 'id' || schema[arg.table].foreignKeys.some((key) => key.column === arg.column);
  return 'ref' in arg || 'unknown' in arg;
}

function realValue(arg: Arg, state: State, known: KnownIds, correspondence: Correspondence, values: RealValues): unknown {
  const model = modelValue(arg, state, known);
  if (typeof model !== 'string' || !namesRow(arg)) return model;
  const mapped = correspondence.realId(model);
  if (mapped !== undefined) return mapped;
  const unknown = /^unknown:(\d+)$/.exec(model);
  if (unknown) {
    const id = values.id(unknownUuid(Number(unknown[1])));
    correspondence.declare(model, id);
    return id;
  }
  throw new Error(`no real id for ${model}: every row is compared (and its id learned) before a later command can use it`);
}

/** One readable line per argument set, for counterexamples: `session_id=chat_session#2`. */
export function describeArgs(args: Args): string {
  return Object.entries(args)
    .map(([name, arg]) => `${name}=${describeArg(arg)}`)
    .join(', ');
}

function describeArg(arg: Arg): string {
  if ('literal' in arg) return JSON.stringify(arg.literal) ?? String(arg.literal);
  if ('notAUuid' in arg) return JSON.stringify(NOT_A_UUID);
  if ('unknown' in arg) return `unknown#${arg.unknown}`;
  if ('fresh' in arg) return `fresh ${arg.fresh}…`;
  if ('columnOf' in arg) return `${describeArg(arg.columnOf)}.${arg.column}`;
  return `${arg.live === true ? 'live ' : ''}${arg.ref}[${arg.pick}${arg.by === undefined ? '' : ` by ${arg.by}`}]`;
}

/**
 * One readable line per argument set, as resolved for the model: rows by their model id
 * (`chat_session:1` is the first session the run created), everything else as JSON.
 */
export function describeResolved(args: Args, resolved: Readonly<Record<string, Value>>): string {
  return Object.entries(args)
    .map(([name, arg]) => {
      const value = resolved[name] ?? null;
      return `${name}=${namesRow(arg) && typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))}`;
    })
    .join(', ');
}
