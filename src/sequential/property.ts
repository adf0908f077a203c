import fc from 'fast-check';
import type { QuerySet } from '../sqlc/loader.js';
import { describeArgs } from './arguments.js';
import type { RealConnection } from './connection.js';
import { commandSpec, type CommandSpec } from './generators.js';
import { StartingWorld } from './start.js';
import { DivergenceError, World, type WorldSetting } from './world.js';

export interface SequentialOptions {
  readonly runs: number;
  readonly seed?: number | undefined;
  /** fast-check's path to one counterexample, to replay it (with the same seed). */
  readonly path?: string | undefined;
  /** fast-check's replayPath of a command list, printed with a counterexample. */
  readonly replayPath?: string | undefined;
  readonly maxCommands: number;
  /** Compare whole tables after every n-th command (default 1, every command) and at the end of each run. */
  readonly stateEvery?: number | undefined;
  /**
   * Called after each execution of the property with the executions and commands done so far, for
   * a progress line; `shrinking` from the first failing run on (every later execution is a shrink
   * attempt, so `runsDone` then counts those too).
   */
  readonly onProgress?: ((runsDone: number, commands: number, shrinking: boolean) => void) | undefined;
}

export interface SequentialFinding {
  readonly kind: 'divergence' | 'unexpected-error';
  readonly summary: string;
  /** The shrunk commands, one line each; the last one is where it diverged. */
  readonly commands: readonly string[];
  readonly divergence?: { readonly command: string; readonly where: string; readonly path: string; readonly model: unknown; readonly real: unknown; readonly why: string };
  readonly replay: { readonly seed: number; readonly path: string; readonly replayPath?: string };
}

export interface SequentialReport {
  readonly runs: number;
  readonly commands: number;
  readonly durationMs: number;
  readonly seed: number;
  /** How often each query ran and each command outcome happened, over all runs. */
  readonly coverage: ReadonlyMap<string, number>;
  readonly finding?: SequentialFinding;
}

/** A generated command, as fast-check's model-based testing wants it. */
class ChatCommand implements fc.AsyncCommand<World, World> {
  constructor(readonly spec: CommandSpec) {}

  check(): boolean {
    return true;
  }

  async run(_model: World, world: World): Promise<void> {
    await world.run(this.spec);
  }

  toString(): string {
    return `${this.spec.name}(${describeArgs(this.spec.args)})`;
  }
}

/**
 * The sequential property: random command sequences run on the model and on PostgreSQL side by
 * side, each result and (by default) the whole state compared after every command. On a
 * difference fast-check shrinks the sequence; the report holds the minimal one and how to replay it.
 */
export async function runSequential(connection: RealConnection, internal: QuerySet, options: SequentialOptions): Promise<SequentialReport> {
  const started = performance.now();
  let commandsRun = 0;
  let runsDone = 0;
  let shrinking = false;
  const coverage = new Map<string, number>();
  // fast-check keeps the last failing candidate of its shrinking as the counterexample, so the
  // last failing run's log is the minimal sequence.
  let failingLog: readonly string[] = [];
  const setting: WorldSetting = { connection, stateQueries: internal, stateEvery: options.stateEvery ?? 1, coverage };
  let start: StartingWorld | undefined;
  const property = fc.asyncProperty(
    fc.commands([commandSpec.map((spec) => new ChatCommand(spec))], { maxCommands: options.maxCommands, size: 'max', ...(options.replayPath ? { replayPath: options.replayPath } : {}) }),
    async (commands) => {
      let world: World | undefined;
      try {
        if (start === undefined) ({ world, start } = await StartingWorld.build(setting));
        else world = await start.enter(setting);
        await fc.asyncModelRun(() => ({ model: world!, real: world! }), commands);
        // The tail after the last n-th command: a run never ends with its tables unchecked.
        if (world.log.length % setting.stateEvery !== 0) await world.compareState(`${world.log.at(-1)!} (end of run)`);
      } catch (error) {
        failingLog = [...(world?.log ?? [])];
        shrinking = true;
        throw error;
      } finally {
        commandsRun += world?.log.length ?? 0;
        runsDone += 1;
        options.onProgress?.(runsDone, commandsRun, shrinking);
      }
    },
  );
  const seed = options.seed ?? Date.now() ^ (Math.random() * 0x100000000);
  const details = await fc.check(property, {
    numRuns: options.runs,
    seed,
    ...(options.path ? { path: options.path } : {}),
    endOnFailure: false,
  });
  const report = { runs: details.numRuns, commands: commandsRun, durationMs: Math.round(performance.now() - started), seed: details.seed, coverage };
  if (!details.failed) return report;
  return { ...report, finding: describeFailure(details, failingLog) };
}

/** What fast-check found, as the finding the report and --json carry. */
function describeFailure<Ts>(details: fc.RunDetails<Ts>, commands: readonly string[]): SequentialFinding {
  // fast-check prints a command list's replayPath as a comment after its commands.
  const replayPath = /\/\*replayPath=['"]?([^'"*]*)['"]?\*\//.exec(String((details.counterexample as unknown[] | null)?.[0] ?? ''))?.[1];
  const replay = { seed: details.seed, path: details.counterexamplePath ?? '', ...(replayPath ? { replayPath } : {}) };
  const error = details.errorInstance;
  if (error instanceof DivergenceError) {
    const { path, model, real, why } = error.difference;
    return {
      kind: 'divergence',
      summary: error.message,
      commands,
      divergence: { command: error.command, where: error.where, path, model, real, why },
      replay,
    };
  }
  const summary = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { kind: 'unexpected-error', summary, commands, replay };
}
