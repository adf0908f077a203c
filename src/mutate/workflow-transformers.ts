/**
 * Generic workflow mutations: program transformers that wrap a catalogue workflow and change what
 * reaches the database, without touching the workflow. A dropped step is answered here instead of
 * being run, with the answer a program that does not need the step's result can go on with (an
 * :exec's "done", an empty :many, a lock's row); a dropped transaction boundary is answered "done",
 * so the statements between them autocommit one by one. Where the rest of the program depends on
 * a dropped step's real result, a transformer cannot make the mutant: see workflow-handwritten.ts.
 */
import type { Outcome, Program, Step, StepResult } from '../../model/program.js';
import { workflows, type WorkflowInputs, type WorkflowName } from '../../model/workflows/index.js';

/** A workflow from resolved inputs, typed as a mutant's program (src/mutate/mutant.ts). */
export type AnyWorkflow = (input: Readonly<Record<string, unknown>>) => Program<Outcome>;

/** The catalogue's workflow `of`, taking untyped resolved inputs. */
export function catalogueWorkflow(of: WorkflowName): AnyWorkflow {
  const run = workflows[of] as (input: WorkflowInputs[WorkflowName]) => Program<Outcome>;
  return (input) => run(input as unknown as WorkflowInputs[WorkflowName]);
}

/**
 * Drives `program`, forwarding each step to whoever drives the result and passing back its answer
 * (or throwing its error back in), except the steps `replace` answers: those are not forwarded, and
 * its answer goes to the program as if the database had given it.
 */
export function* intercept<R>(program: Program<R>, replace: (step: Step) => StepResult | undefined): Program<R> {
  let next = program.next();
  while (next.done !== true) {
    const step = next.value;
    const answer = replace(step);
    if (answer !== undefined) {
      next = program.next(answer);
      continue;
    }
    let result: StepResult;
    try {
      result = yield step;
    } catch (error) {
      next = program.throw(error);
      continue;
    }
    next = program.next(result);
  }
  return next.value;
}

/** The answer a dropped step gets, from the step (a lock answers with the row it would lock). */
export type Stand = (step: Step & { op: 'query' }) => StepResult;

/** A dropped :exec: no error, nothing reported (the affected count, which only :execrows carries). */
export const execDone: Stand = () => ({ kind: 'exec' });
/** A dropped :many: no rows. */
export const noRows: Stand = () => ({ kind: 'many', rows: [] });
/** A dropped :one: no row (the caller sees pgx.ErrNoRows). */
export const noRow: Stand = () => ({ kind: 'one', row: null });
/** A dropped :one whose row the caller only tests for presence: a row with no columns. */
export const someRow: Stand = () => ({ kind: 'one', row: {} });
/** A dropped `SELECT id … FOR UPDATE`: the row it would have locked, by the id it was asked for. */
export const lockedRow: Stand = (step) => ({ kind: 'one', row: { id: step.args['id'] ?? null } });

/**
 * `base` with every call of query `name` (or only its `call`-th, 1-based) not run: answered with
 * `stand` instead.
 */
export function dropQuery(base: AnyWorkflow, name: string, stand: Stand, call?: number): AnyWorkflow {
  return (input) => {
    let seen = 0;
    return intercept(base(input), (step) => {
      if (step.op !== 'query' || step.name !== name) return undefined;
      seen += 1;
      return call === undefined || call === seen ? stand(step) : undefined;
    });
  };
}

/**
 * `base` with its transaction boundaries (BEGIN, COMMIT, ROLLBACK) not sent: each statement they
 * enclosed autocommits on its own, and a failure no longer undoes what came before it.
 */
export function dropTransactions(base: AnyWorkflow): AnyWorkflow {
  return (input) => intercept(base(input), (step) => (step.op === 'begin' || step.op === 'commit' || step.op === 'rollback' ? { kind: 'done' } : undefined));
}

