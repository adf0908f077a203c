import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shrinkBudget } from '../../src/sequential/shrink-budget.js';

/** Fails on any array of at least three numbers (shrinking ends at [0, 0, 0]); counts its executions. */
let executions = 0;
const property = () => {
  executions = 0;
  return fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), (xs) => {
    executions++;
    return xs.length < 3;
  });
};
const seed = 7;

describe('shrinkBudget', () => {
  const unbounded = fc.check(property(), { seed });

  it('stops shrinking after its attempts, with a failing case', () => {
    const bounded = fc.check(property(), { seed, plugins: [shrinkBudget(5)] });
    expect(unbounded.failed && bounded.failed).toBe(true);
    expect(unbounded.counterexample).toEqual([[0, 0, 0]]);
    // The runs up to the first failing one, then five attempts.
    expect(executions).toBe(bounded.numRuns + 5);
    // Between the first failing case and the smallest: shrunk, but not all the way.
    expect(bounded.numShrinks).toBeGreaterThan(0);
    expect(bounded.counterexample![0].length).toBeGreaterThanOrEqual(3);
    expect(bounded.counterexample).not.toEqual(unbounded.counterexample);
  });

  it('at 0 keeps the first failing run, as endOnFailure would', () => {
    const first = fc.check(property(), { seed, endOnFailure: true });
    const bounded = fc.check(property(), { seed, plugins: [shrinkBudget(0)] });
    expect(executions).toBe(bounded.numRuns);
    expect(bounded.counterexample).toEqual(first.counterexample);
    expect(bounded.numRuns).toBe(first.numRuns);
  });

  it('the same seed stops at the same case, and its path replays it', () => {
    const again = () => fc.check(property(), { seed, plugins: [shrinkBudget(5)] });
    const bounded = again();
    expect(again().counterexample).toEqual(bounded.counterexample);
    const replayed = fc.check(property(), { seed, path: bounded.counterexamplePath!, endOnFailure: true });
    expect(replayed.counterexample).toEqual(bounded.counterexample);
  });

  it('passes a run that never fails untouched', () => {
    const passing = fc.check(
      fc.property(fc.nat(), () => true),
      { seed, numRuns: 50, plugins: [shrinkBudget(0)] },
    );
    expect(passing.failed).toBe(false);
    expect(passing.numRuns).toBe(50);
  });

  it('works on async properties', async () => {
    const asyncProperty = fc.asyncProperty(fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), async (xs) => xs.length < 3);
    const bounded = await fc.check(asyncProperty, { seed, plugins: [shrinkBudget(5)] });
    expect(bounded.failed).toBe(true);
    expect(bounded.numShrinks).toBeLessThanOrEqual(5);
    expect(bounded.counterexample![0].length).toBeGreaterThanOrEqual(3);
  });
});
