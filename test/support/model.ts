/**
 * Helpers shared by the unit tests of the model (test/unit/model-*.test.ts) and of its workflows
 * (test/unit/workflows-*.test.ts).
 */
import { ModelDatabase } from '../../model/model-database.js';
import { exec, many, one, type Outcome, type Program } from '../../model/program.js';
import { Instant, type Row, type Value } from '../../model/values.js';
import { injectFaults, stepLabel, traced, type Fault, type TracedStep } from '../../model/workflows/instrument.js';

/** The row a query was expected to find; throws when it found none. */
export function must(row: Row | null): Row {
  if (row === null) throw new Error('expected a row');
  return row;
}

/** The tick of a timestamp column, to compare when rows were written; throws unless an Instant. */
export function tick(value: Value | undefined): number {
  if (!(value instanceof Instant)) throw new Error(`not an Instant: ${String(value)}`);
  return value.tick;
}

/** A workflow outcome's body, read as a JSON object. */
export function fields(outcome: Outcome): Record<string, Value> {
  return outcome.body as Record<string, Value>;
}

/** The outcome of a workflow that answers `status` with `{ error: message }`. */
export function error(status: number, message: string): Outcome {
  return { status, body: { error: message } };
}

/** What runTraced and runFaulty return: the outcome, the label of each step, and the steps themselves. */
export interface TracedRun {
  readonly outcome: Outcome;
  readonly steps: string[];
  readonly log: TracedStep[];
}

/** run/runTraced/runFaulty and row lookups for workflow tests, on whatever database `database()` returns at each call. */
export function workflowRunners(database: () => ModelDatabase) {
  /** Runs a program to completion. */
  async function run<R>(program: Program<R>): Promise<R> {
    return await database().run(program);
  }

  /** Runs a workflow, recording its steps. */
  async function runTraced(program: Program<Outcome>): Promise<TracedRun> {
    const log: TracedStep[] = [];
    const outcome = await run(traced(program, log));
    return { outcome, steps: log.map((entry) => stepLabel(entry.step)), log };
  }

  /** Runs a workflow with the steps named by `faults` failing, recording its steps. */
  async function runFaulty(program: Program<Outcome>, ...faults: Fault[]): Promise<TracedRun> {
    const log: TracedStep[] = [];
    const outcome = await run(injectFaults(program, faults, log));
    return { outcome, steps: log.map((entry) => stepLabel(entry.step)), log };
  }

  return {
    run,
    runTraced,
    runFaulty,
    getTask: (id: Value) => run(one('GetAgentTask', { id })),
    getSession: (id: Value) => run(one('GetChatSession', { id })),
    getAgent: (id: Value) => run(one('GetAgent', { id })),
    listMessages: (id: Value) => run(many('ListChatMessages', { chat_session_id: id })),
  };
}

/** A fresh ModelDatabase with a workspace, user, runtime and agent, for running single queries by name. */
export class QueryWorld {
  readonly db = new ModelDatabase();
  readonly workspace: Value;
  readonly user: Value;
  readonly runtime: Value;
  readonly agent: Value;

  constructor() {
    this.workspace = this.one('FixtureCreateWorkspace', { name: 'w', slug: 'w' })['id']!;
    this.user = this.one('FixtureCreateUser', { name: 'u', email: 'u@x' })['id']!;
    this.runtime = this.one('FixtureCreateRuntime', { workspace_id: this.workspace, name: 'r' })['id']!;
    this.agent = this.one('FixtureCreateAgent', { workspace_id: this.workspace, name: 'a', runtime_id: this.runtime })['id']!;
  }

  /** Runs a :one query that must return a row. */
  one(name: string, args: Record<string, Value>): Row {
    return must(this.db.run(one(name, args)));
  }

  /** Runs a :one query that may return no row. */
  maybe(name: string, args: Record<string, Value>): Row | null {
    return this.db.run(one(name, args));
  }

  /** Runs a :many query. */
  many(name: string, args: Record<string, Value>): readonly Row[] {
    return this.db.run(many(name, args));
  }

  /** Runs an :exec query. */
  exec(name: string, args: Record<string, Value>): void {
    this.db.run(exec(name, args));
  }

  /** A new chat session with the world's agent, by default the world's user's in the world's workspace. */
  session(creator: Value = this.user, workspace: Value = this.workspace): Value {
    return this.one('CreateChatSession', { workspace_id: workspace, agent_id: this.agent, creator_id: creator, title: '' })['id']!;
  }

  /** A new queued chat task of `session`, by default for the world's agent and runtime. */
  task(session: Value, priority = 2, agent: Value = this.agent, runtime: Value = this.runtime): Value {
    return this.one('CreateChatTask', { agent_id: agent, runtime_id: runtime, priority, chat_session_id: session })['id']!;
  }

  /** A new user message in `session`. */
  message(session: Value, content = 'm'): Row {
    return this.one('CreateChatMessage', {
      chat_session_id: session,
      role: 'user',
      content,
      task_id: null,
      failure_reason: null,
      elapsed_ms: null,
    });
  }

  /** Claims, starts and completes (or fails) the agent's next task, with that session_id. */
  finish(how: 'complete' | 'fail', session_id: Value): Value {
    const id = this.one('ClaimAgentTask', { agent_id: this.agent })['id']!;
    this.one('StartAgentTask', { id });
    if (how === 'complete') this.one('CompleteAgentTask', { id, result: { output: 'ok' }, session_id, work_dir: '/w' });
    else this.one('FailAgentTask', { id, error: 'e', failure_reason: null, session_id, work_dir: null });
    return id;
  }

  /** A task row with columns the chat queries never set (issue, autopilot run), written directly. */
  rawTask(columns: Record<string, Value>): Value {
    return this.db.transaction((tx) => tx.insert('agent_task_queue', { agent_id: this.agent, runtime_id: this.runtime, ...columns }))['id']!;
  }

  /** A new issue in the world's workspace, written directly. */
  issue(): Value {
    return this.db.transaction((tx) => tx.insert('issue', { workspace_id: this.workspace }))['id']!;
  }

  /** The id of the task ClaimAgentTask claims for `agent`, or null when there is none. */
  claim(agent: Value = this.agent): Value {
    return this.maybe('ClaimAgentTask', { agent_id: agent })?.['id'] ?? null;
  }

  /** The status of task `id`. */
  status(id: Value): Value {
    return this.one('GetAgentTask', { id })['status'] ?? null;
  }
}
