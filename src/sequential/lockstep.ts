import { SqlError } from '../../model/errors.js';
import type { ModelDatabase } from '../../model/model-database.js';
import type { Program, Step, StepResult } from '../../model/program.js';
import type { Comparer, Difference, ModelKeyReader, OrderKey } from '../compare/compare.js';
import type { PostgresDatabase } from '../sql/postgres-database.js';

export type Answer<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: SqlError };

/** Where a lockstep run parted ways: which statement of the command, and the difference. */
export interface Divergence {
  /** 1-based index of the step within the command, or 'outcome' for the final answer. */
  readonly at: number | 'outcome';
  readonly step?: string;
  readonly difference: Difference;
}

/**
 * Runs one workflow on both worlds side by side, statement by statement: the same generator
 * function instantiated twice, once with model inputs and once with the corresponding real ones.
 * Each statement's result is compared before either side sees it, so the first difference is
 * reported at the statement that caused it, not at some later symptom.
 */
export async function lockstep<R>(
  model: ModelDatabase,
  real: PostgresDatabase,
  modelProgram: Program<R>,
  realProgram: Program<R>,
  comparer: Comparer,
  orderOf: (query: string) => readonly OrderKey[] | undefined,
  modelKey?: ModelKeyReader,
): Promise<{ model: R | SqlError; real: R | SqlError; steps: string[]; reached: string[] } | Divergence> {
  const steps: string[] = [];
  /** The query steps that returned a row or rows, or affected a row (by the model's count, which every :exec has). */
  const reached: string[] = [];
  let modelNext: IteratorResult<Step, R | SqlError> = modelProgram.next();
  let realNext: IteratorResult<Step, R | SqlError> = realProgram.next();
  for (let at = 1; ; at++) {
    if (modelNext.done || realNext.done) {
      if (!modelNext.done || !realNext.done) {
        const ended = modelNext.done ? 'the model' : 'PostgreSQL';
        return { at, difference: { path: 'workflow', model: modelNext.value, real: realNext.value, why: `the workflow ended early on ${ended}'s side` } };
      }
      await real.assertNoOpenTransaction();
      return { model: modelNext.value, real: realNext.value, steps, reached };
    }
    const modelStep = modelNext.value;
    const realStep = realNext.value;
    const label = describeStep(modelStep);
    const sameStep = compareSteps(modelStep, realStep, comparer);
    if (sameStep) return { at, step: label, difference: sameStep };

    // PostgreSQL first: where an ORDER BY … LIMIT 1 ties, the model goes on with the row it chose.
    const realAnswer = await answerAsync(() => real.perform(realStep));
    let modelAnswer = await answerAsync(async () => model.performChoosing(modelStep, (result) => sameRow(result, realAnswer, comparer)));
    const pairing: number[] = [];
    const difference = compareAnswers(modelAnswer, realAnswer, comparer, modelStep.op === 'query' ? orderOf(modelStep.name) : undefined, modelKey, pairing);
    if (difference) return { at, step: label, difference };
    if (modelStep.op === 'query' && modelAnswer.ok && returnedOrChanged(modelAnswer.value)) reached.push(modelStep.name);
    // Rows PostgreSQL may return in any order (ties, no ORDER BY) came back in some order: the model
    // takes the same one, so what the workflow does next with them cannot part the two worlds.
    if (modelAnswer.ok && modelAnswer.value.kind === 'many' && pairing.length > 0) {
      const rows = modelAnswer.value.rows;
      modelAnswer = { ok: true, value: { kind: 'many', rows: pairing.map((i) => rows[i]!) } };
    }
    // The model always knows an :exec query's row count; PostgreSQL's caller sees it only for
    // :execrows/:execresult. What the real caller cannot see, the model's caller does not see either.
    if (modelAnswer.ok && realAnswer.ok && modelAnswer.value.kind === 'exec' && realAnswer.value.kind === 'exec' && realAnswer.value.affected === undefined) {
      modelAnswer = { ok: true, value: { kind: 'exec' } };
    }
    if (modelStep.op === 'query') steps.push(modelStep.name);

    modelNext = advance(modelProgram, modelAnswer);
    realNext = advance(realProgram, realAnswer);
  }
}

/** A query's result that shows it did something: a row, rows, or at least one row affected. */
export function returnedOrChanged(result: StepResult): boolean {
  if (result.kind === 'one') return result.row !== null;
  if (result.kind === 'many') return result.rows.length > 0;
  return result.kind === 'exec' && (result.affected ?? 0) > 0;
}

/**
 * Hands a program its answer. A database error the program does not catch ends it (as a direct
 * query call does); that error is then its result, on both sides alike.
 */
export function advance<R>(program: Program<R>, answer: Answer<StepResult>): IteratorResult<Step, R | SqlError> {
  try {
    return answer.ok ? program.next(answer.value) : program.throw(answer.error);
  } catch (error) {
    if (error instanceof SqlError) return { done: true, value: error };
    throw error;
  }
}

export function describeStep(step: Step): string {
  return step.op === 'query' ? step.name : step.op === 'elapsedMs' ? 'elapsedMs' : step.op.toUpperCase();
}

/** Both sides must ask for the same statement with corresponding arguments. */
function compareSteps(model: Step, real: Step, comparer: Comparer): Difference | undefined {
  if (model.op !== real.op || (model.op === 'query' && real.op === 'query' && model.name !== real.name)) {
    return { path: 'statement', model: describeStep(model), real: describeStep(real), why: 'the workflow took a different path' };
  }
  if (model.op === 'query' && real.op === 'query') return comparer.value(model.args, real.args, `${model.name}(args)`);
  return undefined;
}

function compareAnswers(
  model: Answer<StepResult>,
  real: Answer<StepResult>,
  comparer: Comparer,
  order: readonly OrderKey[] | undefined,
  modelKey: ModelKeyReader | undefined,
  pairing: number[],
): Difference | undefined {
  if (!model.ok || !real.ok) {
    const describe = (side: Answer<StepResult>) => (side.ok ? 'success' : `SQLSTATE ${side.error.code}${side.error.constraint ? ` on ${side.error.constraint}` : ''}`);
    if (!model.ok && !real.ok && model.error.code === real.error.code && model.error.constraint === real.error.constraint) return undefined;
    return { path: 'result', model: describe(model), real: describe(real), why: 'one side failed, or they failed differently' };
  }
  const [m, r] = [model.value, real.value];
  if (m.kind !== r.kind) return { path: 'result', model: m.kind, real: r.kind, why: 'different kinds of result' };
  if (m.kind === 'one' && r.kind === 'one') return comparer.row(m.row, r.row, 'row');
  if (m.kind === 'many' && r.kind === 'many') return comparer.list(m.rows, r.rows, 'rows', order, modelKey, true, pairing);
  if (m.kind === 'value' && r.kind === 'value') return comparer.value(m.value, r.value, 'value');
  if (m.kind === 'exec' && r.kind === 'exec' && r.affected !== undefined && m.affected !== r.affected) {
    return { path: 'affected rows', model: m.affected, real: r.affected, why: 'the statement affected a different number of rows (the count an :execrows query hands its caller)' };
  }
  return undefined;
}

/** A `:one` result of the model that PostgreSQL's answer matches (learning nothing when it does not). */
export function sameRow(model: StepResult, real: Answer<StepResult>, comparer: Comparer): boolean {
  return real.ok && model.kind === 'one' && real.value.kind === 'one' && comparer.tryRow(model.row, real.value.row, 'row') === undefined;
}

/** Awaits `perform`, turning a database error into an answer (anything else propagates). */
export async function answerAsync<T>(perform: () => Promise<T>): Promise<Answer<T>> {
  try {
    return { ok: true, value: await perform() };
  } catch (error) {
    if (error instanceof SqlError) return { ok: false, error };
    throw error;
  }
}
