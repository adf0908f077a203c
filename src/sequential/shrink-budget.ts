import fc from 'fast-check';

/**
 * A fast-check plugin that lets shrinking try at most `attempts` candidates after the first
 * failing run, then ends the check with the smallest failing case found so far: fast-check
 * reports it (counterexample and path) as it would a fully shrunk one, and the path replays it.
 * Counted, not timed, so the same seed always stops at the same case.
 */
export function shrinkBudget<Ts>(attempts: number): fc.Plugin<Ts> {
  return () => {
    let failed = false;
    let tried = 0;
    return {
      decorateRun: (nestedRun) => (value) => {
        if (failed && tried++ >= attempts) return new fc.PreconditionFailure(true);
        const outcome = nestedRun(value);
        const note = (result: Awaited<typeof outcome>) => {
          if (result !== null && !fc.PreconditionFailure.isFailure(result)) failed = true;
          return result;
        };
        return outcome !== null && 'then' in outcome ? outcome.then(note) : note(outcome);
      },
    };
  };
}
