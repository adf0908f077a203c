import { catalogue } from '../../model/catalogue.js';
import { SqlError } from '../../model/errors.js';
import { allRaceInvariants, type Invariant } from '../../model/invariants.js';
import type { SerialOutcome } from '../../model/serial-orders.js';
import type { TableName } from '../../model/schema.js';
import { Comparer, type Difference } from '../compare/compare.js';
import type { Correspondence } from '../compare/correspondence.js';
import { compareTables } from '../compare/state.js';
import { RealId } from '../sql/real-values.js';
import { STATE_QUERIES } from '../sequential/world.js';
import type { Execution } from './explorer.js';
import { DEADLOCK } from './explorer.js';

/** Short stable names of what the oracle can find (Elle's way: the name says the anomaly). */
export type RaceFindingKind = 'divergence' | 'invariant' | 'deadlock' | 'hang' | 'waited' | 'unexpected-error';

/** The oracle's verdict on one execution, as data; report.ts turns it into text. */
export type Verdict =
  | { readonly ok: true; /** Which serial outcome PostgreSQL's result equals (index into the distinct outcomes). */ readonly reached: number }
  | { readonly ok: false; readonly kind: 'deadlock'; readonly sqlstate: typeof DEADLOCK; readonly cycle: readonly number[]; readonly steps: readonly string[]; readonly victim: number }
  | { readonly ok: false; readonly kind: 'hang'; readonly afterMs: number; readonly stuck: string }
  /** A query that skips locked rows (the claim's SKIP LOCKED) was seen waiting for a lock held by `for`. */
  | { readonly ok: false; readonly kind: 'waited'; readonly session: number; readonly step: string; readonly for: readonly number[] }
  | { readonly ok: false; readonly kind: 'unexpected-error'; readonly sqlstate: string; readonly session: number; readonly expected: readonly string[] }
  | { readonly ok: false; readonly kind: 'invariant'; readonly invariant: Pick<Invariant, 'name' | 'rule'>; readonly offenders: readonly (readonly string[])[] }
  | {
      readonly ok: false;
      readonly kind: 'divergence';
      /** The serial outcome that came closest (the most sessions' answers alike), and the first difference from it. */
      readonly nearest: { readonly order: readonly number[]; readonly difference: Difference };
    };

export type Finding = Extract<Verdict, { ok: false }>;

/** PostgreSQL's tables after a schedule, as read by the explorer's control connection. */
export type RealTables = ReadonlyMap<TableName, readonly Readonly<Record<string, unknown>>[]>;

/**
 * Judges one schedule, in three ways (issue: oracle, all three):
 * 1. errors no serial order produces: a deadlock, a hang, a SQLSTATE the model never raised for that
 *    session in any serial order (a lock timeout, a serialization failure, …); and a wait no
 *    interleaving may show: a query the model says skips locked rows waiting for a lock;
 * 2. invariants on the final tables, those of every state and those only races can break;
 * 3. the answers and final tables equal the model's run of some serial order of atomic units.
 * `tables` is undefined when the schedule stopped before every session answered.
 */
export function judge(
  execution: Execution,
  serial: readonly SerialOutcome[],
  startCorrespondence: Correspondence,
  tables: RealTables | undefined,
): Verdict {
  const stop = execution.stop;
  if (stop?.kind === 'deadlock') return { ok: false, kind: 'deadlock', sqlstate: DEADLOCK, cycle: stop.cycle, steps: stop.steps, victim: stop.victim };
  if (stop?.kind === 'hang') return { ok: false, kind: 'hang', afterMs: stop.afterMs, stuck: stop.stuck };
  for (const event of execution.timeline) {
    if (event.event === 'waits' && catalogue.get(event.step)?.skipsLocked) return { ok: false, kind: 'waited', session: event.session, step: event.step, for: event.for };
  }
  for (let session = 0; session < execution.errors.length; session++) {
    const expected = [...new Set(serial.flatMap((outcome) => outcome.errors[session] ?? []))].sort();
    const unexpected = execution.errors[session]!.find((code) => !expected.includes(code));
    if (unexpected !== undefined) return { ok: false, kind: 'unexpected-error', sqlstate: unexpected, session, expected };
  }
  if (tables === undefined) throw new Error('judge: the final tables of a finished schedule are missing');
  const read = (table: TableName) => tables.get(table) ?? [];
  for (const invariant of allRaceInvariants) {
    const offenders = invariant.violations(read(invariant.table), read);
    if (offenders.length > 0) {
      return {
        ok: false,
        kind: 'invariant',
        invariant: { name: invariant.name, rule: invariant.rule },
        offenders: offenders.map((group) => group.map((row) => describeRow(invariant.table, row, startCorrespondence))),
      };
    }
  }
  let nearest: { order: readonly number[]; difference: Difference; alike: number } | undefined;
  for (let index = 0; index < serial.length; index++) {
    const outcome = serial[index]!;
    const comparer = new Comparer(startCorrespondence.copy(false));
    const { alike, difference } = compareOutcome(outcome, execution, tables, comparer);
    if (difference === undefined) return { ok: true, reached: index };
    if (nearest === undefined || alike > nearest.alike) nearest = { order: outcome.order, difference, alike };
  }
  if (nearest === undefined) throw new Error('judge: no serial outcome to compare with');
  return { ok: false, kind: 'divergence', nearest: { order: nearest.order, difference: nearest.difference } };
}

/** Every session's answer, then every table; how many answers were alike before the first difference. */
function compareOutcome(outcome: SerialOutcome, execution: Execution, tables: RealTables, comparer: Comparer): { alike: number; difference?: Difference } {
  let alike = 0;
  for (let session = 0; session < outcome.answers.length; session++) {
    const model = outcome.answers[session];
    const real = execution.answers[session];
    const path = `answer of ${String.fromCharCode(65 + session)}`;
    const difference =
      model instanceof SqlError || real instanceof SqlError
        ? model instanceof SqlError && real instanceof SqlError && model.code === real.code
          ? undefined
          : { path, model: describeError(model), real: describeError(real), why: 'one side ended with an error' }
        : comparer.outcome(model, real, path);
    if (difference) return { alike, difference };
    alike++;
  }
  for (const [table] of STATE_QUERIES) {
    const difference = compareTables(table, outcome.state.table(table).rows(), tables.get(table) ?? [], comparer);
    if (difference) return { alike, difference };
  }
  const elapsed = comparer.settleElapsed();
  return elapsed ? { alike, difference: elapsed } : { alike };
}

function describeError(side: unknown): string {
  return side instanceof SqlError ? `SQLSTATE ${side.code}` : 'an answer';
}

/**
 * A real row by the model id it had at the start; a row the schedule created has no model id (it
 * differs between serial orders) and a new UUID on every replay, so it is named by what it holds.
 */
function describeRow(table: TableName, row: Readonly<Record<string, unknown>>, correspondence: Correspondence): string {
  const id = row['id'];
  const known = id instanceof RealId ? correspondence.modelId(id) : undefined;
  if (known !== undefined) return known;
  const status = typeof row['status'] === 'string' ? `, status ${row['status']}` : '';
  return `a new ${table} row${status}`;
}
