import fc from 'fast-check';
import type { Execution } from './explorer.js';
import { knownFindingOf, type KnownFinding } from './known-findings.js';
import type { Finding } from './oracle.js';
import type { PreparedRace, RaceResult, RaceRunner } from './race-runner.js';
import type { RacingWorkflow } from './race-workflows.js';
import { chooseLetters, choosePicks, ExhaustiveWalk, type Chooser } from './schedule.js';

/** How one race is explored. */
export type ExploreMode =
  /** Every interleaving, up to `budget` schedules (then the rest is sampled: see explore()). */
  | { readonly kind: 'exhaustive'; readonly budget: number }
  /** `runs` schedules drawn by fast-check from `seed`, a failure shrunk toward the serial order. */
  | { readonly kind: 'sampled'; readonly runs: number; readonly seed: number }
  /** One schedule as printed. */
  | { readonly kind: 'replay'; readonly schedule: string };

/** A finding of the explorer: the oracle's verdict and the schedule that shows it. */
export interface RaceFinding {
  readonly finding: Finding;
  readonly execution: Execution;
}

/** What exploring one race found and covered. */
export interface RaceExploration {
  readonly race: PreparedRace;
  /** Schedules run (shrinking included). */
  readonly schedules: number;
  /** Interleavings the exhaustive walk visited, and whether it visited them all. */
  readonly interleavings: number;
  readonly complete: boolean;
  /** Schedules drawn at random (after a walk cut at its budget, or in sampled mode). */
  readonly sampled: number;
  /** Indices of the distinct serial outcomes PostgreSQL reached. */
  readonly reached: ReadonlySet<number>;
  readonly finding?: RaceFinding;
  /** Known findings of the bundled queries this race reproduced (each once). */
  readonly known: readonly { readonly known: KnownFinding; readonly execution: Execution }[];
  readonly durationMs: number;
}

/**
 * Explores one race. Exhaustive: the depth-first walk of every interleaving; the first failing
 * leaf is the smallest in walk order (the serial order is the first leaf), so it needs no further
 * shrinking. A walk that reaches half its budget unfinished is cut there and the other half is
 * spent on random schedules, so a large race is still seen beyond the first steps' variations
 * (the report says so). Sampled: fast-check draws the picks and shrinks a failure toward fewer and
 * smaller picks, i.e. toward the serial order A, B, C. A finding that is a known one is recorded
 * and exploring goes on.
 */
export async function explore(runner: RaceRunner, workflows: readonly RacingWorkflow[], mode: ExploreMode, seed: number): Promise<RaceExploration> {
  const started = performance.now();
  const race = await runner.prepare(workflows);
  const reached = new Set<number>();
  const known = new Map<string, { known: KnownFinding; execution: Execution }>();
  let schedules = 0;
  /** Runs one schedule; returns the finding unless the schedule conforms or shows a known finding. */
  const run = async (choose: Chooser): Promise<{ result: RaceResult; finding?: Finding }> => {
    const result = await runner.run(race, choose);
    schedules++;
    if (result.verdict.ok) {
      reached.add(result.verdict.reached);
      return { result };
    }
    const match = knownFindingOf(workflows, result.verdict);
    if (match === undefined) return { result, finding: result.verdict };
    if (!known.has(match.id)) known.set(match.id, { known: match, execution: result.execution });
    return { result };
  };
  const done = (extra: Partial<RaceExploration> & Pick<RaceExploration, 'interleavings' | 'complete' | 'sampled'>): RaceExploration => ({
    race,
    schedules,
    reached,
    known: [...known.values()],
    durationMs: performance.now() - started,
    ...extra,
  });

  if (mode.kind === 'replay') {
    const { result, finding } = await run(chooseLetters(mode.schedule));
    return done({ interleavings: 0, complete: false, sampled: 0, ...(finding ? { finding: { finding, execution: result.execution } } : {}) });
  }

  let interleavings = 0;
  if (mode.kind === 'exhaustive') {
    const walk = new ExhaustiveWalk();
    const walkBudget = Math.ceil(mode.budget / 2);
    while (!walk.done && interleavings < walkBudget) {
      const { result, finding } = await run(walk.chooser());
      interleavings++;
      if (finding) return done({ interleavings, complete: false, sampled: 0, finding: { finding, execution: result.execution } });
      walk.advance(result.execution.choices);
    }
    if (walk.done) return done({ interleavings, complete: true, sampled: 0 });
  }

  const runs = mode.kind === 'sampled' ? mode.runs : mode.budget - interleavings;
  const sampled = await sample(run, workflows.length, runs, mode.kind === 'sampled' ? mode.seed : seed);
  return done({ interleavings, complete: false, sampled: runs, ...(sampled ? { finding: sampled } : {}) });
}

/** Random schedules by fast-check; a failure is shrunk, then run once more to keep its execution. */
async function sample(run: (choose: Chooser) => Promise<{ result: RaceResult; finding?: Finding }>, sessions: number, runs: number, seed: number): Promise<RaceFinding | undefined> {
  if (runs <= 0) return undefined;
  const picks = fc.array(fc.nat({ max: sessions - 1 }), { maxLength: 48 });
  const details = await fc.check(
    fc.asyncProperty(picks, async (chosen) => (await run(choosePicks(chosen))).finding === undefined),
    { numRuns: runs, seed },
  );
  if (!details.failed || details.counterexample === null) return undefined;
  const [chosen] = details.counterexample;
  const { result, finding } = await run(choosePicks(chosen));
  if (finding === undefined) throw new Error(`the shrunk schedule ${result.execution.schedule} no longer fails: a nondeterministic run`);
  return { finding, execution: result.execution };
}
