import type { Outcome, Program } from '../../model/program.js';
import { orderCount, serialOutcomes, TooManyOrders, type SerialOutcome } from '../../model/serial-orders.js';
import { SetupError } from '../errors.js';
import { workflow, type WorkflowInputs, type WorkflowName } from '../../model/workflows/index.js';
import type { ServerTarget } from '../postgres/target.js';
import { RealValues } from '../sql/real-values.js';
import type { QuerySet } from '../sqlc/loader.js';
import { describeResolved, modelArgs, realArgs } from '../sequential/arguments.js';
import { openRealConnection, type RealConnection } from '../sequential/connection.js';
import { StartingWorld } from '../sequential/start.js';
import { STATE_QUERIES, type WorldSetting } from '../sequential/world.js';
import { distinctOutcomes } from './distinct-outcomes.js';
import { Explorer, type Execution, type ExplorerOptions } from './explorer.js';
import { judge, type RealTables, type Verdict } from './oracle.js';
import { preludeOf, type RacingWorkflow } from './race-workflows.js';
import type { Chooser } from './schedule.js';
import { WaitObserver } from './wait-observer.js';

/** The most sessions one race has (a triple). */
export const MAX_SESSIONS = 3;

/**
 * The most serial orders the oracle enumerates for one race (about five seconds on the model).
 * Every pair stays below it; a triple of long workflows (claims, completions) goes far past it.
 */
export const MAX_SERIAL_ORDERS = 200_000;

/** A race ready to run schedules: its start, its inputs in both worlds, its serial outcomes. */
export interface PreparedRace {
  readonly workflows: readonly RacingWorkflow[];
  readonly start: StartingWorld;
  /** Each session's call, as a line: `SendChatMessage(session_id=chat_session:1, …)`. */
  readonly calls: readonly string[];
  /** The distinct outcomes of every serial order of atomic units, and how many orders there were. */
  readonly serial: readonly SerialOutcome[];
  readonly serialOrders: number;
  readonly realInputs: readonly Readonly<Record<string, unknown>>[];
}

/** One schedule, run and judged. */
export interface RaceResult {
  readonly execution: Execution;
  readonly verdict: Verdict;
}

/**
 * The explorer's connections to one database — a control connection (restores the start, reads
 * the final tables, watches for waits) and one connection per session — and the starts it built.
 * Every connection shares one RealValues, so a row's id is the same object on each.
 */
export class RaceRunner {
  readonly #starts = new Map<string, StartingWorld>();

  private constructor(
    /** The database the explorer works in. */
    readonly target: ServerTarget,
    readonly control: RealConnection,
    readonly explorer: Explorer,
    readonly queries: QuerySet,
  ) {}

  static async open(target: ServerTarget, queries: QuerySet, options: ExplorerOptions): Promise<RaceRunner> {
    const values = new RealValues();
    const opened: RealConnection[] = [];
    try {
      const control = await openRealConnection(target, queries, values);
      opened.push(control);
      const sessions: { connection: RealConnection; pid: number }[] = [];
      for (let i = 0; i < MAX_SESSIONS; i++) {
        const connection = await openRealConnection(target, queries, values);
        opened.push(connection);
        sessions.push({ connection, pid: await backendPid(connection) });
        await postponeDeadlockDetection(connection);
      }
      return new RaceRunner(target, control, new Explorer(sessions, new WaitObserver(control.client), options), queries);
    } catch (error) {
      await Promise.allSettled(opened.map((connection) => connection.client.end()));
      throw error;
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.control, ...this.explorer.sessions.map((session) => session.connection)].map((connection) => connection.client.end()));
  }

  get #setting(): WorldSetting {
    return { connection: this.control, stateQueries: this.queries, stateEvery: 1 };
  }

  /** Builds (or reuses) the start of the race, resolves its inputs, enumerates its serial outcomes. */
  async prepare(workflows: readonly RacingWorkflow[]): Promise<PreparedRace> {
    if (workflows.length < 2 || workflows.length > MAX_SESSIONS) throw new Error(`a race has 2 to ${MAX_SESSIONS} workflows, not ${workflows.length}`);
    const prelude = preludeOf(workflows);
    const key = JSON.stringify(prelude);
    let start = this.#starts.get(key);
    if (start === undefined) {
      start = (await StartingWorld.build(this.#setting, prelude)).start;
      this.#starts.set(key, start);
    }
    const known = (table: string) => start.correspondence.knownIds(table);
    const modelInputs = workflows.map((race) => modelArgs(race.args, start.state, known));
    const realInputs = workflows.map((race) => realArgs(race.args, start.state, start.correspondence, this.control.values));
    let all: SerialOutcome[];
    try {
      all = serialOutcomes(
        start.state,
        workflows.map((race, i) => () => programOf(race, modelInputs[i]!)),
        { maxOrders: MAX_SERIAL_ORDERS },
      );
    } catch (error) {
      if (!(error instanceof TooManyOrders)) throw error;
      const names = workflows.map((race) => race.name).join(',');
      throw new SetupError(`race ${names} has ${error.message} of its atomic units, too many for the oracle to enumerate`, 'race fewer or shorter workflows (every pair works; of triples, e.g. send,send,delete)');
    }
    return {
      workflows,
      start,
      calls: workflows.map((race, i) => `${race.variant ?? race.workflow}${race.realProgram === undefined ? '' : '[mutant]'}(${describeResolved(race.args, modelInputs[i]!)})`),
      serial: distinctOutcomes(all, start.state),
      serialOrders: orderCount(all),
      realInputs,
    };
  }

  /** Restores the start, runs one schedule, reads the final tables, judges. */
  async run(race: PreparedRace, choose: Chooser): Promise<RaceResult> {
    const world = await race.start.enter(this.#setting);
    const programs = race.workflows.map((workflow, i) => realProgramOf(workflow, race.realInputs[i]!));
    const execution = await this.explorer.execute(programs, choose);
    let tables: RealTables | undefined;
    if (execution.stop === undefined) {
      const rows = await world.readState(STATE_QUERIES.map(([, name]) => name));
      tables = new Map(STATE_QUERIES.map(([table], i) => [table, rows[i]!]));
    }
    return { execution, verdict: judge(execution, race.serial, race.start.correspondence, tables) };
  }
}

/** The program the model's serial orders run: a variant's, else the catalogue's (never a mutant's). */
function programOf(race: RacingWorkflow, input: Readonly<Record<string, unknown>>): Program<Outcome> {
  if (race.program !== undefined) return race.program(input);
  return workflow(race.workflow, input as unknown as WorkflowInputs[WorkflowName]);
}

/** The program PostgreSQL's session runs: a mutant's when given, else the model's. */
function realProgramOf(race: RacingWorkflow, input: Readonly<Record<string, unknown>>): Program<Outcome> {
  return race.realProgram !== undefined ? race.realProgram(input) : programOf(race, input);
}

async function backendPid(connection: RealConnection): Promise<number> {
  const { rows } = await connection.client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return rows[0]!.pid;
}

/**
 * PostgreSQL runs its own deadlock check after deadlock_timeout (1 s by default) and picks a victim
 * by timing. The explorer breaks cycles itself within milliseconds; where the server lets it (a
 * superuser), the server's check is put off further still, so it never races the explorer.
 */
async function postponeDeadlockDetection(connection: RealConnection): Promise<void> {
  try {
    await connection.client.query(`SET deadlock_timeout = '60s'`);
  } catch {
    // Not a superuser: the explorer still sees a cycle long before the default second is up.
  }
}

