/**
 * Program transformers: wrap a workflow without touching it. `traced` records every step it yields
 * (and how each ended); `injectFaults` answers chosen steps with a database error instead of running
 * them — how the tests reach the error branches that a healthy database never takes.
 */
import { SqlError } from '../errors.js';
import type { Program, Step, StepResult } from '../program.js';

/** One step as it went by: the step, and the error thrown back at it, if any. */
export interface TracedStep {
  readonly step: Step;
  readonly error?: unknown;
}

/** A short label for a step: the query name, or the boundary / elapsedMs. */
export function stepLabel(step: Step): string {
  return step.op === 'query' ? step.name : step.op;
}

/**
 * Drives `program`, forwarding each step to whoever drives the result and passing back the answer
 * (or the thrown error), unless `answer` supplies an error for that step: then the step is not
 * forwarded and the error is thrown into the program at its yield.
 */
function* relay<R>(
  program: Program<R>,
  answer: (step: Step, index: number) => unknown,
  onStep: (traced: TracedStep) => void,
): Program<R> {
  let next = program.next();
  let index = 0;
  while (next.done !== true) {
    const step = next.value;
    const injected = answer(step, index);
    index += 1;
    if (injected !== undefined) {
      // A COMMIT that fails ends the transaction: the interpreter rolls it back instead.
      if (step.op === 'commit') yield { op: 'rollback' };
      onStep({ step, error: injected });
      next = program.throw(injected);
      continue;
    }
    let result: StepResult;
    try {
      result = yield step;
    } catch (error) {
      onStep({ step, error });
      next = program.throw(error);
      continue;
    }
    onStep({ step });
    next = program.next(result);
  }
  return next.value;
}

/** `program` unchanged, with every step appended to `log` as it completes. */
export function traced<R>(program: Program<R>, log: TracedStep[]): Program<R> {
  return relay(program, () => undefined, (entry) => log.push(entry));
}

/** Which steps fail: by query name (every call, or only its n-th call, 1-based), or by boundary. */
export interface Fault {
  readonly at: string;
  readonly call?: number;
  readonly error?: SqlError;
}

/** A plausible server error to inject where none is given. */
export function injectedError(at: string): SqlError {
  return new SqlError('XX000', `injected failure at ${at}`);
}

/**
 * `program` with the steps named by `faults` failing with a SqlError instead of running. A failed
 * `commit` is sent to the interpreter as a `rollback` (a COMMIT that fails ends the transaction).
 */
export function injectFaults<R>(program: Program<R>, faults: readonly Fault[], log: TracedStep[] = []): Program<R> {
  const calls = new Map<string, number>();
  return relay(
    program,
    (step) => {
      const label = stepLabel(step);
      const count = (calls.get(label) ?? 0) + 1;
      calls.set(label, count);
      const fault = faults.find((f) => f.at === label && (f.call === undefined || f.call === count));
      return fault === undefined ? undefined : (fault.error ?? injectedError(label));
    },
    (entry) => log.push(entry),
  );
}

/**
 * `program`, except that just before its `call`-th step labelled `at` (1-based) the whole of `other`
 * runs on the same interpreter; `other`'s result goes to `done`. A serial interleaving at statement
 * granularity, e.g. a delete that commits between a send's loader and its message insert.
 */
export function* runBefore<R, S>(
  program: Program<R>,
  at: string,
  other: Program<S>,
  done: (result: S) => void,
  call = 1,
): Program<R> {
  let seen = 0;
  let next = program.next();
  while (next.done !== true) {
    const step = next.value;
    if (stepLabel(step) === at) {
      seen += 1;
      if (seen === call) done(yield* other);
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
