import { SqlError } from '../../model/errors.js';
import type { ModelDatabase } from '../../model/model-database.js';
import type { Outcome, Program, Step, StepResult } from '../../model/program.js';
import type { WorkflowName } from '../../model/workflows/index.js';
import type { Comparer, ModelKeyReader, OrderKey } from '../compare/compare.js';
import type { PostgresDatabase } from '../sql/postgres-database.js';
import { advance, answerAsync, describeStep, returnedOrChanged, sameRow, type Answer, type Divergence } from './lockstep.js';

/**
 * PostgreSQL's side of a workflow in place of the catalogue's: a program built from the workflow's
 * resolved real inputs (a mutant's `program`, src/mutate/mutant.ts). The model keeps the spec.
 */
export type RealWorkflow = (input: Readonly<Record<string, unknown>>) => Program<Outcome>;

/** The workflows whose PostgreSQL side is replaced, by operation name. */
export type RealWorkflows = ReadonlyMap<WorkflowName, RealWorkflow>;

/** A query step PostgreSQL's version ran, its answer, and whether a model step has followed it. */
interface RealQuery {
  readonly step: Step & { op: 'query' };
  readonly answer: Answer<StepResult>;
  followed: boolean;
}

/**
 * Runs a command whose two sides are different programs — the spec on the model, another version
 * (a mutant) on PostgreSQL — each alone to completion: the lockstep's statement-by-statement
 * comparison cannot apply, since the other version may ask for other statements, in another order,
 * inside other transactions. Only the answers are left to compare (the caller does, as it does
 * after a lockstep run), then the tables.
 *
 * PostgreSQL's version runs first. Where the spec then asks for a statement PostgreSQL's version
 * also ran (the same query, with corresponding arguments, not yet followed), the model follows
 * PostgreSQL's choice among rows the spec leaves open, as the lockstep does: the tied row of a
 * `:one` ORDER BY … LIMIT 1 (ModelDatabase.performChoosing), the order of a `:many` result's rows
 * that tie or have no ORDER BY. Such a choice stays within what the spec allows, so it cannot hide
 * a difference; without it, e.g. the refreshes of two agents after CancelAgentTasksByChatSession
 * would stamp their updated_at in another order than PostgreSQL's. Where PostgreSQL's version did
 * not run that statement, or got another answer (its state already differs), the model chooses on
 * its own; where the choice then shows in the answer or the tables, a tie can part the two worlds.
 *
 * Returns the two results (a SqlError that ended a program is its result, as in the lockstep), the
 * queries the model ran and those of them that returned or changed something (as the lockstep
 * counts them for coverage), or a Divergence when PostgreSQL's program ended inside a transaction
 * (rolled back here, so the next command starts on a clean connection).
 */
export async function freeRun<R>(
  model: ModelDatabase,
  real: PostgresDatabase,
  modelProgram: Program<R>,
  realProgram: Program<R>,
  comparer: Comparer,
  orderOf: (query: string) => readonly OrderKey[] | undefined,
  modelKey?: ModelKeyReader,
): Promise<{ model: R | SqlError; real: R | SqlError; steps: string[]; reached: string[] } | Divergence> {
  const ran: RealQuery[] = [];
  let realSteps = 0;
  let last: string | undefined;
  let realNext: IteratorResult<Step, R | SqlError> = realProgram.next();
  while (!realNext.done) {
    const step = realNext.value;
    realSteps += 1;
    last = describeStep(step);
    const answer = await answerAsync(() => real.perform(step));
    if (step.op === 'query') ran.push({ step, answer, followed: false });
    realNext = advance(realProgram, answer);
  }
  if (real.inTransaction) {
    await real.abandon();
    return {
      at: realSteps + 1,
      ...(last === undefined ? {} : { step: `end, after ${last}` }),
      difference: { path: 'workflow', model: 'every transaction ended', real: 'a transaction left open', why: "PostgreSQL's version of the workflow ended inside a transaction (rolled back)" },
    };
  }

  const steps: string[] = [];
  const reached: string[] = [];
  let modelNext: IteratorResult<Step, R | SqlError> = modelProgram.next();
  try {
    while (!modelNext.done) {
      const step = modelNext.value;
      const answer = performFollowing(model, step, ran, comparer, orderOf, modelKey);
      if (step.op === 'query') {
        steps.push(step.name);
        if (answer.ok && returnedOrChanged(answer.value)) reached.push(step.name);
      }
      modelNext = advance(modelProgram, answer);
    }
  } finally {
    // As ModelDatabase.run: a transaction the program left open (an error ended it inside) is not committed.
    model.perform({ op: 'rollback' });
  }
  return { model: modelNext.value, real: realNext.value, steps, reached };
}

/** Performs a model step, following PostgreSQL's choice among ties where it ran the same statement. */
function performFollowing(
  model: ModelDatabase,
  step: Step,
  ran: RealQuery[],
  comparer: Comparer,
  orderOf: (query: string) => readonly OrderKey[] | undefined,
  modelKey: ModelKeyReader | undefined,
): Answer<StepResult> {
  const twin = step.op === 'query' ? ran.find((entry) => !entry.followed && entry.step.name === step.name && comparer.tryValue(step.args, entry.step.args, `${step.name}(args)`) === undefined) : undefined;
  if (twin !== undefined) twin.followed = true;
  let result: StepResult;
  try {
    result = twin === undefined ? model.perform(step) : model.performChoosing(step, (candidate) => sameRow(candidate, twin.answer, comparer));
  } catch (error) {
    if (error instanceof SqlError) return { ok: false, error };
    throw error;
  }
  if (twin !== undefined && step.op === 'query' && result.kind === 'many' && twin.answer.ok && twin.answer.value.kind === 'many') {
    const rows = result.rows;
    const realRows = twin.answer.value.rows;
    const pairing: number[] = [];
    const aligned = comparer.correspondence.attempt(() => comparer.list(rows, realRows, 'rows', orderOf(step.name), modelKey, true, pairing) === undefined);
    if (aligned && pairing.length === rows.length) result = { kind: 'many', rows: pairing.map((i) => rows[i]!) };
  }
  return { ok: true, value: result };
}

