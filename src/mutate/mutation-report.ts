import type { CatalogueEntry } from './catalogue.js';
import type { Killer, Trial } from './mutant-trial.js';
import type { MutantFamily } from './mutant.js';

/**
 * What a run learned about one mutant, as data (the JSON report's `mutants` entries); the table on
 * stdout is rendered from it, never assembled separately.
 */
export interface MutantResult {
  readonly id: string;
  readonly family: MutantFamily;
  readonly description: string;
  /**
   * killed: some seed's run told it apart; survived: no seed did; equivalent: reviewed by hand as
   * unobservable (not run); invalid: the loader or the server refused it (not run past that).
   */
  readonly status: 'killed' | 'survived' | 'equivalent' | 'invalid';
  /** Who killed it at the first seed that did. */
  readonly killedBy?: Killer;
  readonly seedsKilled: number;
  readonly seeds: number;
  /** Median wall time of its trials, ms: the whole budget for a survivor; for a kill, shrinking included. */
  readonly ms: number;
  /** Killed: median time until the first failing run (before shrinking), ms. */
  readonly msToKill?: number;
  /** Why equivalent, or why invalid. */
  readonly reason?: string;
  /** The first finding that killed it: mode, kind, counterexample (a sequential one shrunk by at most SHRINK_ATTEMPTS attempts). */
  readonly finding?: Readonly<Record<string, unknown>>;
}

/** Folds a mutant's trials (one per seed, in seed order) into its result. */
export function mutantResult(entry: CatalogueEntry, trials: readonly Trial[]): MutantResult {
  const base = { id: entry.id, family: entry.family, description: entry.description };
  if (entry.equivalent !== undefined) return { ...base, status: 'equivalent', seedsKilled: 0, seeds: 0, ms: 0, reason: entry.equivalent };
  const invalid = trials.find((trial) => trial.status === 'invalid');
  if (invalid !== undefined) return { ...base, status: 'invalid', seedsKilled: 0, seeds: trials.length, ms: median(trials.map((trial) => trial.ms)), reason: invalid.reason };
  const kills = trials.flatMap((trial) => (trial.status === 'killed' ? [trial] : []));
  const first = kills[0];
  return {
    ...base,
    status: first === undefined ? 'survived' : 'killed',
    ...(first ? { killedBy: first.killedBy } : {}),
    seedsKilled: kills.length,
    seeds: trials.length,
    ms: median(trials.map((trial) => trial.ms)),
    ...(first ? { msToKill: median(kills.map((trial) => trial.msToKill)), finding: first.finding } : {}),
  };
}

/** Percent of the mutants that count (neither equivalent nor invalid) that were killed; null when none count. */
export function mutationScore(results: readonly MutantResult[]): number | null {
  const counted = results.filter((result) => result.status === 'killed' || result.status === 'survived');
  if (counted.length === 0) return null;
  const killed = counted.filter((result) => result.status === 'killed').length;
  return Math.round((killed / counted.length) * 10_000) / 100;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : Math.round((sorted[middle - 1]! + sorted[middle]!) / 2);
}

const ORDER: Readonly<Record<MutantResult['status'], number>> = { survived: 0, killed: 1, invalid: 2, equivalent: 3 };

/**
 * The table on stdout: survivors first (what a developer must look at), then the killed, the
 * invalid and the equivalent, each with its reason; the score last.
 */
export function mutationTable(results: readonly MutantResult[]): string[] {
  const sorted = [...results].sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  const width = Math.max(...sorted.map((result) => result.id.length), 2);
  const lines = sorted.map((result) => {
    const detail =
      result.status === 'killed'
        ? `killed by ${result.killedBy} at ${result.seedsKilled}/${result.seeds} seed${result.seeds === 1 ? '' : 's'} in ${seconds(result.msToKill ?? result.ms)} (${seconds(result.ms)} with shrinking)`
        : result.status === 'survived'
          ? `SURVIVED ${result.seeds} seed${result.seeds === 1 ? '' : 's'}, ${seconds(result.ms)} — ${result.description}`
          : `${result.status}: ${result.reason}`;
    return `  ${result.id.padEnd(width)}  ${detail}`;
  });
  return [...lines, scoreLine(results)];
}

export function scoreLine(results: readonly MutantResult[]): string {
  const count = (status: MutantResult['status']) => results.filter((result) => result.status === status).length;
  const score = mutationScore(results);
  const counted = count('killed') + count('survived');
  const times = results.flatMap((result) => (result.status === 'killed' ? [result.msToKill ?? result.ms] : []));
  return (
    `mutation score: ${score === null ? 'n/a' : `${score}%`} (${count('killed')} of ${counted} killed, ${count('survived')} survived; ` +
    `${count('equivalent')} equivalent and ${count('invalid')} invalid left out)${times.length === 0 ? '' : `, median time to kill ${seconds(median(times))}`}`
  );
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
