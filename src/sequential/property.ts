import fc from 'fast-check';
import { SetupError } from '../errors.js';
import type { QuerySet } from '../sqlc/loader.js';
import { describeArgs } from './arguments.js';
import type { RealConnection } from './connection.js';
import { commandArbitraries, type CommandSpec } from './generators.js';
import { fixtureReach } from './reach.js';
import { shrinkBudget } from './shrink-budget.js';
import { StartingWorld } from './start.js';
import { vocabularyOf } from './vocabulary.js';
import type { RealWorkflows } from './free-run.js';
import { DivergenceError, InvariantError, World, type WorldSetting } from './world.js';

export interface SequentialOptions {
  readonly runs: number;
  readonly seed?: number | undefined;
  /** fast-check's path to one counterexample, to replay it (with the same seed). */
  readonly path?: string | undefined;
  /** fast-check's replayPath of a command list, printed with a counterexample. */
  readonly replayPath?: string | undefined;
  /** The hash of the case `path` replays, printed with it: a replay of another case is refused. */
  readonly caseHash?: string | undefined;
  readonly maxCommands: number;
  /** Generate chat turns (several commands kept together, see generators.ts) among single commands; default true. */
  readonly turns?: boolean | undefined;
  /** Compare whole tables after every n-th command (default 1, every command) and at the end of each run. */
  readonly stateEvery?: number | undefined;
  /**
   * Called after each execution of the property with the executions and commands done so far and
   * the phase: `running` until a run fails, then `shrinking` it, then `searching` for a shorter
   * case (every execution after the first failing run is a shrink or search attempt).
   */
  readonly onProgress?: ((runsDone: number, commands: number, phase: SequentialPhase) => void) | undefined;
  /**
   * At most this many shrink attempts after the first failing run (default: no bound); past it the
   * smallest failing case so far is the finding, and its path replays it. mutate bounds it: a kill
   * needs only the failure, and a short counterexample, not the shortest.
   */
  readonly shrinkAttempts?: number | undefined;
  /** How many more seeds look for a shorter counterexample after a finding (default SHORTER_SEARCHES; mutate wants 0). */
  readonly shorterSearches?: number | undefined;
  /** Runs of each of those seeds (default `runs`): a chunk of a longer run looks as far as the whole run would. */
  readonly shorterSearchRuns?: number | undefined;
  /**
   * Workflows PostgreSQL runs in another version than the catalogue's (`chatcheck mutate`'s
   * workflow mutants), by operation; the model keeps the spec. See WorldSetting.realWorkflows.
   */
  readonly realWorkflows?: RealWorkflows | undefined;
}

export type SequentialPhase = 'running' | 'shrinking' | 'searching';

export interface SequentialFinding {
  /**
   * divergence: the model and PostgreSQL differ; invariant: PostgreSQL's tables break a rule of
   * model/invariants.ts; unexpected-error: the tester itself failed (a bug in chatcheck).
   */
  readonly kind: 'divergence' | 'invariant' | 'unexpected-error';
  readonly summary: string;
  /** The shrunk commands, one line each; the last one is where it diverged. */
  readonly commands: readonly string[];
  /**
   * The same commands as data, what a case file holds and `chatcheck replay` runs again (every
   * finding runSequential makes has them; a finding made by hand in a test may leave them out).
   */
  readonly steps?: readonly CommandSpec[];
  readonly divergence?: { readonly command: string; readonly where: string; readonly path: string; readonly model: unknown; readonly real: unknown; readonly why: string };
  readonly invariant?: { readonly command: string; readonly name: string; readonly rule: string; readonly rows: readonly (readonly string[])[] };
  /**
   * What replays it: fast-check's seed and path, the run length it was found with, and the hash of
   * its commands (what the path must lead to again: see caseHash).
   */
  readonly replay: { readonly seed: number; readonly path: string; readonly replayPath?: string; readonly caseHash: string; readonly maxCommands: number; readonly turns: boolean };
}

export interface SequentialReport {
  /** Runs of the property up to and including the first failing one (all of them when none failed). */
  readonly runs: number;
  /** Every execution of the property: the runs, then shrink attempts and the search for a shorter case. */
  readonly executions: number;
  readonly commands: number;
  readonly durationMs: number;
  readonly seed: number;
  /**
   * Over all runs: how often each query did something (`query <Name>`: returned a row or rows, or
   * affected a row; a call that found nothing does not count) and each command outcome happened.
   */
  readonly coverage: ReadonlyMap<string, number>;
  readonly finding?: SequentialFinding;
}

/** A generated command (or a turn of several), as fast-check's model-based testing wants it. */
class ChatCommand implements fc.AsyncCommand<World, World> {
  constructor(readonly specs: readonly CommandSpec[]) {}

  check(): boolean {
    return true;
  }

  async run(_model: World, world: World): Promise<void> {
    for (const spec of this.specs) await world.run(spec);
  }

  toString(): string {
    return this.specs.map((spec) => `${spec.name}(${describeArgs(spec.args)})`).join('; ');
  }
}

/**
 * How many more seeds look for a shorter counterexample once one is found and shrunk. Shrinking
 * only removes and simplifies what the first failing run had: a run that failed through two whole
 * chat turns cannot shrink into the two direct query calls that show the same bug. Turns find
 * depth; single commands shrink finest, so the extra seeds generate single commands only.
 */
const SHORTER_SEARCHES = 3;

/**
 * The sequential property: random command sequences run on the model and on PostgreSQL side by
 * side, each result and (by default) the whole state compared after every command. On a
 * difference fast-check shrinks the sequence, and a few more seeds of single commands look for a
 * shorter one of the same kind; the report holds the shortest and how to replay it.
 */
export async function runSequential(connection: RealConnection, internal: QuerySet, options: SequentialOptions): Promise<SequentialReport> {
  const started = performance.now();
  let commandsRun = 0;
  let runsDone = 0;
  let phase: SequentialPhase = 'running';
  const coverage = new Map<string, number>();
  const setting: WorldSetting = { connection, stateQueries: internal, stateEvery: options.stateEvery ?? 1, coverage, realWorkflows: options.realWorkflows };
  // Text arguments mix in the string literals of the queries under test (the same files, the same
  // commands); fixture rows beyond chat's only as far as the schema under test takes them.
  const arbitraries = commandArbitraries(await vocabularyOf(internal), await fixtureReach(connection.client));
  let start: StartingWorld | undefined;

  /** One fast-check search: a finding (shrunk) or none, how many runs it made, and the hash of the first case it ran. */
  const search = async (
    seed: number,
    runs: number,
    turns: boolean,
    replay: { path?: string | undefined; replayPath?: string | undefined },
  ): Promise<{ runs: number; finding: SequentialFinding | undefined; firstCase: string | undefined }> => {
    // fast-check keeps the last failing candidate of its shrinking as the counterexample, so the
    // last failing run's log is the minimal sequence.
    let failingLog: readonly string[] = [];
    let failingSteps: readonly CommandSpec[] = [];
    let firstCase: string | undefined;
    const property = fc.asyncProperty(
      fc.commands([(turns ? arbitraries.steps : arbitraries.command.map((spec) => [spec])).map((specs) => new ChatCommand(specs))], {
        maxCommands: options.maxCommands,
        size: 'max',
        ...(replay.replayPath ? { replayPath: replay.replayPath } : {}),
      }),
      async (commands) => {
        firstCase ??= caseHash(commands);
        let world: World | undefined;
        try {
          if (start === undefined) ({ world, start } = await StartingWorld.build(setting));
          else world = await start.enter(setting);
          await fc.asyncModelRun(() => ({ model: world!, real: world! }), commands);
          // The tail after the last n-th command: a run never ends with its tables unchecked.
          if (world.log.length % setting.stateEvery !== 0) await world.compareState(`${world.log.at(-1)!} (end of run)`);
        } catch (error) {
          failingLog = [...(world?.log ?? [])];
          failingSteps = world?.commands ?? [];
          if (phase === 'running') phase = 'shrinking';
          throw error;
        } finally {
          commandsRun += world?.log.length ?? 0;
          runsDone += 1;
          options.onProgress?.(runsDone, commandsRun, phase);
        }
      },
    );
    // (async: fast-check throws at once when it cannot walk a path.)
    const details = await (async () =>
      fc.check(property, {
        numRuns: runs,
        seed,
        ...(replay.path ? { path: replay.path } : {}),
        endOnFailure: false,
        ...(options.shrinkAttempts !== undefined ? { plugins: [shrinkBudget(options.shrinkAttempts)] } : {}),
      }))().catch((error: unknown) => {
      // fast-check cannot walk a path, or a command list's replayPath, that another case printed.
      if (replay.path !== undefined && error instanceof Error && /Unable to replay|replayPath/.test(error.message)) throw misfitPath(options, `fast-check: ${error.message}`);
      throw error;
    });
    return { runs: details.numRuns, finding: details.failed ? describeFailure(details, failingLog, failingSteps, { maxCommands: options.maxCommands, turns }) : undefined, firstCase };
  };

  const seed = options.seed ?? Date.now() ^ (Math.random() * 0x100000000);
  const first = await search(seed, options.runs, options.turns ?? true, options);
  // The path led to another case than the one printed with it: other options (--max-commands,
  // --no-turns) or another chatcheck. Whatever it shows, it is not a replay.
  if (options.path !== undefined && first.firstCase === undefined) throw misfitPath(options, 'it leads to no case at all');
  if (options.path !== undefined && options.caseHash !== undefined && first.firstCase !== options.caseHash) {
    throw misfitPath(options, `it leads to case ${first.firstCase}, not ${options.caseHash}`);
  }
  let finding: SequentialFinding | undefined = first.finding;
  // A replay (--path) shows exactly the case asked for; a fresh finding gets a shorter one if any.
  if (finding !== undefined && options.path === undefined) {
    let shortest: SequentialFinding = finding;
    phase = 'searching';
    for (let attempt = 1; attempt <= (options.shorterSearches ?? SHORTER_SEARCHES) && shortest.commands.length > 1; attempt++) {
      const { finding: shorter } = await search((seed + attempt) | 0, options.shorterSearchRuns ?? options.runs, false, {});
      // Of the same kind only: a tester bug must not hide a divergence, nor the reverse.
      if (shorter !== undefined && shorter.kind === shortest.kind && shorter.commands.length < shortest.commands.length) shortest = shorter;
    }
    finding = shortest;
  }
  const report = { runs: first.runs, executions: runsDone, commands: commandsRun, durationMs: Math.round(performance.now() - started), seed, coverage };
  return finding === undefined ? report : { ...report, finding };
}

/**
 * A case's hash: FNV-1a of every command of the generated list (run or not), 8 hex digits. The same
 * seed, path and options give the same list, so a replay can tell it reached the case printed.
 */
function caseHash(commands: Iterable<unknown>): string {
  let hash = 0x811c9dc5;
  const text = Array.from(commands, String).join('\n');
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

function misfitPath(options: SequentialOptions, why: string): SetupError {
  return new SetupError(
    `--path ${[options.path, options.replayPath && `@${options.replayPath}`, options.caseHash && `.${options.caseHash}`].join('')} does not fit --seed ${options.seed} with these options (${why})`,
    'use the whole replay line the finding printed: its --seed, --path, --max-commands, --no-turns and --queries',
  );
}

/** What fast-check found, as the finding the report and --json carry. */
function describeFailure<C extends Iterable<unknown>>(
  details: fc.RunDetails<[C]>,
  commands: readonly string[],
  steps: readonly CommandSpec[],
  shape: { maxCommands: number; turns: boolean },
): SequentialFinding {
  // fast-check prints a command list's replayPath as a comment after its commands.
  const counterexample = details.counterexample?.[0];
  const replayPath = /\/\*replayPath=['"]?([^'"*]*)['"]?\*\//.exec(String(counterexample ?? ''))?.[1];
  const replay = { seed: details.seed, path: details.counterexamplePath ?? '', ...(replayPath ? { replayPath } : {}), caseHash: counterexample ? caseHash(counterexample) : '', ...shape };
  return { ...failureOf(details.errorInstance, commands, steps), replay };
}

/**
 * A failing run as a finding, all but how fast-check replays it: what the property reports, and
 * what `chatcheck replay` (which runs the commands without fast-check) compares with a case.
 */
export function failureOf(error: unknown, commands: readonly string[], steps: readonly CommandSpec[]): Omit<SequentialFinding, 'replay'> {
  if (error instanceof DivergenceError) {
    const { path, model, real, why } = error.difference;
    return { kind: 'divergence', summary: error.message, commands, steps, divergence: { command: error.command, where: error.where, path, model, real, why } };
  }
  if (error instanceof InvariantError) {
    const { command, invariant, offenders } = error;
    return { kind: 'invariant', summary: error.message, commands, steps, invariant: { command, name: invariant.name, rule: invariant.rule, rows: offenders } };
  }
  const summary = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { kind: 'unexpected-error', summary, commands, steps };
}
