/**
 * A case file: one finding as data that replays without fast-check's seed or path, in any
 * checkout, with `chatcheck replay CASE.json`. Written by `--save DIR` (check, sequential, race),
 * read by replay; test/regressions/ is a corpus of them.
 *
 * What a case holds is what its run depended on and nothing else: the commands (sequential) or the
 * race and its schedule (race) as data, the digests of the query files and the migrations it was
 * recorded on (replay warns when they changed), and what was expected and what happened.
 *
 * Versioned: CASE_VERSION changes when a field changes meaning. replay reads every version it
 * knows and refuses any other with one line that says why.
 */
import type { CommandSpec } from '../sequential/generators.js';

export const CASE_VERSION = 1;

/** What the case was recorded on: the digest of the query files' text and of the migrations', each `sha256:<hex>`. */
export interface CaseInputs {
  /** The query files' names as given (for the reader; the digest decides). */
  readonly queryFiles: readonly string[];
  readonly queries: string;
  readonly migrations: string;
}

/** What replaying must show again for the case to reproduce: the finding's kind and where it showed. */
export interface CaseExpectation {
  /** The finding's kind: divergence, invariant, unexpected-error (sequential); deadlock, waited, hang too (race). */
  readonly kind: string;
  /** sequential: the 0-based index of the command that failed (the last one run). */
  readonly command?: number;
  /** invariant: the rule broken, by name. */
  readonly invariant?: string;
  /**
   * race: the known finding of the bundled queries this is (known-findings.ts), by id. The explorer
   * files such a finding as known rather than failing on it; a replay still counts it as reproduced.
   */
  readonly known?: string;
  /** The finding as the run printed it, for the reader (not compared). */
  readonly summary: string;
}

interface CaseBase {
  /** Always "chatcheck-case": tells a case file from any other JSON. */
  readonly format: 'chatcheck-case';
  readonly version: typeof CASE_VERSION;
  /** chatcheck's version that recorded it. */
  readonly recordedBy: string;
  /** When it was recorded (ISO 8601). */
  readonly recordedAt: string;
  readonly inputs: CaseInputs;
  /** What was expected and what happened (the finding's own data: model vs PostgreSQL, the verdict). */
  readonly expected: CaseExpectation;
  readonly observed: unknown;
}

/** A sequential finding: the commands, from the starting world every run begins in, as data. */
export interface SequentialCase extends CaseBase {
  readonly mode: 'sequential';
  /**
   * The commands in order (model ids, arguments, workflow inputs), as generators.ts makes them. In
   * the file, literal values that are not plain JSON — model instants and elapsed times, and a JSON
   * document that could be mistaken for one — are in their tagged form (case-values.ts).
   */
  readonly commands: readonly CommandSpec[];
  /** Tables were compared after every n-th command (and at the end). */
  readonly stateEvery: number;
}

/** A race finding: the workflows (with variants) and the schedule, as `--pair … --schedule …` take them. */
export interface RaceCase extends CaseBase {
  readonly mode: 'race';
  readonly pair: readonly string[];
  readonly variants: readonly string[];
  /** The session letters picked at each choice point (`AABBA`). */
  readonly schedule: string;
  /** Autocommit statements that can wait ran in a BEGIN of the explorer's own (the default). */
  readonly overlap: boolean;
}

export type CaseFile = SequentialCase | RaceCase;
