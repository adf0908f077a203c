import { isDeepStrictEqual, inspect } from 'node:util';
import { SqlError } from '../../model/errors.js';
import { ModelDatabase } from '../../model/model-database.js';
import { query as queryStep, type Outcome, type Program, type QueryResult } from '../../model/program.js';
import { tableNames, type TableName } from '../../model/schema.js';
import type { Row, Value } from '../../model/values.js';
import { workflow as workflowProgram, type WorkflowInputs, type WorkflowName } from '../../model/workflows/index.js';
import { modelArgs, type Arg } from '../../src/sequential/arguments.js';
import type { CommandSpec } from '../../src/sequential/generators.js';
import { StartingWorld } from '../../src/sequential/start.js';
import { DivergenceError, World } from '../../src/sequential/world.js';
import { withTesterConnection } from './database.js';

/**
 * Fixed command lists run through a World: the model and the real PostgreSQL in lockstep, every
 * statement and, after every command, every table compared (a DivergenceError otherwise). Each
 * scenario starts like a property run: ResetState, then the bootstrap world (workspaces acme and
 * globex, users ada and bob, runtimes laptop/cloud in acme and server in globex, agents 0 and 1 on
 * laptop and cloud, agent 2 on server).
 */

/** What a command answered: a workflow's HTTP outcome, a query's result, or the SqlError it ended with. */
export type Answer = Outcome | QueryResult | SqlError;

export async function withScenario(fn: (scenario: Scenario) => Promise<void>): Promise<void> {
  await withTesterConnection(async (connection, queries) => {
    // As property.ts starts its first run.
    const { world } = await StartingWorld.build({ connection, stateQueries: queries, stateEvery: 1 });
    await fn(new Scenario(world));
  });
}

export class Scenario {
  constructor(readonly world: World) {}

  /**
   * Runs one command on both worlds and returns its answer. World.run returns nothing, so the
   * answer is read from a copy of the model run just before (the model is deterministic); after the
   * real run the copy's tables must equal the world's model, and World.run has already checked that
   * PostgreSQL gave the same answer and holds the same tables.
   */
  async run(spec: CommandSpec): Promise<Answer> {
    const state = this.world.model.state;
    const input = modelArgs(spec.args, state, (table) => this.world.correspondence.knownIds(table));
    const preview = new ModelDatabase(state);
    const answer = runOnModel(preview, spec, input);
    try {
      await this.world.run(spec);
    } catch (error) {
      if (!(error instanceof DivergenceError)) throw error;
      const { model, real } = error.difference;
      const log = this.world.log.map((line, i) => `  ${i + 1}. ${line}`).join('\n');
      throw new Error(`${error.message}\n  model:      ${inspect(model, { depth: 6 })}\n  PostgreSQL: ${inspect(real, { depth: 6 })}\ncommands (after bootstrap):\n${log}`, { cause: error });
    }
    for (const table of tableNames) {
      if (!isDeepStrictEqual(preview.state.table(table).rows(), this.rows(table))) {
        throw new Error(`${spec.name}: the preview of the model wrote ${table} differently from the world's model (rows tied in PostgreSQL's order?)`);
      }
    }
    return answer;
  }

  /** Runs commands one after another; returns the last answer. */
  async runAll(...specs: CommandSpec[]): Promise<Answer | undefined> {
    let last: Answer | undefined;
    for (const spec of specs) last = await this.run(spec);
    return last;
  }

  /** The model's rows of a table, in creation order (equal to PostgreSQL's after every command). */
  rows(table: TableName): Row[] {
    return this.world.model.state.table(table).rows();
  }

  /** The model id of the pick-th row of `table` both worlds have shown (as `{ref, pick}` resolves it). */
  id(table: TableName, pick: number): string {
    const id = this.world.correspondence.knownIds(table)[pick];
    if (id === undefined) throw new Error(`no ${table} #${pick} yet`);
    return id;
  }

  /** The model's row with that model id (undefined once deleted). */
  get(table: TableName, pick: number): Row | undefined {
    return this.world.model.state.get(table, this.id(table, pick));
  }

  /** All tables' rows, for "nothing changed" checks. */
  snapshot(): Record<string, Row[]> {
    return Object.fromEntries(tableNames.map((table) => [table, this.rows(table)]));
  }

  /**
   * A read query straight on the real database: model ids among the parameters become the real
   * UUIDs they correspond to. Select plain values (counts, text, booleans) to assert on.
   */
  async real(sql: string, ...params: Value[]): Promise<Record<string, unknown>[]> {
    const values = params.map((param) => {
      if (typeof param !== 'string' || !/^[a-z_]+:\d+$/.test(param)) return param;
      const real = this.world.correspondence.realId(param);
      if (real === undefined) throw new Error(`no real id for ${param}`);
      return real.uuid;
    });
    return (await this.world.client.query(sql, values)).rows as Record<string, unknown>[];
  }
}

function runOnModel(model: ModelDatabase, spec: CommandSpec, input: Record<string, Value>): Answer {
  const program: Program<Outcome | QueryResult> =
    spec.kind === 'query' ? queryStep(spec.name, input) : workflowProgram(spec.name as WorkflowName, input as unknown as WorkflowInputs[WorkflowName]);
  try {
    return model.run(program);
  } catch (error) {
    if (error instanceof SqlError) return error;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Commands as data. Rows are named by creation order, as `{ref, pick}` does: row('chat_session', 0)
// is the first session the scenario created, task(1) the second task.

export const row = (table: TableName, pick: number): Arg => ({ ref: table, pick });
export const lit = (value: Value): Arg => ({ literal: value });
const ws = row('workspace', 0);
const ada = row('user', 0);
const task = (pick: number): Arg => row('agent_task_queue', pick);

export const workflow = (name: WorkflowName, args: Record<string, Arg>): CommandSpec => ({ kind: 'workflow', name, args });
export const query = (name: string, args: Record<string, Arg>): CommandSpec => ({ kind: 'query', name, args });

/** Optional string body fields as literals; absent ones stay absent. */
const body = (fields: Readonly<Record<string, string | undefined>>): Record<string, Arg> =>
  Object.fromEntries(Object.entries(fields).flatMap(([key, value]) => (value === undefined ? [] : [[key, lit(value)]])));

/** Ada's routes in acme. */
export const createSession = (agent: number): CommandSpec => workflow('CreateChatSession', { agent_id: row('agent', agent), workspace_id: ws, user_id: ada });
const sessionRoute = (session: number): Record<string, Arg> => ({ session_id: row('chat_session', session), workspace_id: ws, user_id: ada });
export const send = (session: number, content: string): CommandSpec => workflow('SendChatMessage', { ...sessionRoute(session), content: lit(content) });
export const deleteSession = (session: number): CommandSpec => workflow('DeleteChatSession', sessionRoute(session));
export const markRead = (session: number): CommandSpec => workflow('MarkChatSessionRead', sessionRoute(session));
export const listSessions = (status?: string): CommandSpec => workflow('ListChatSessions', { workspace_id: ws, user_id: ada, ...body({ status }) });

/** The daemon of a runtime's workspace. */
export const claim = (runtime: number): CommandSpec => {
  const workspace: Arg = { columnOf: row('agent_runtime', runtime), table: 'agent_runtime', column: 'workspace_id', otherwise: lit(null) };
  return workflow('ClaimTask', { runtime_id: row('agent_runtime', runtime), runtime_workspace_id: workspace, workspace_id: workspace });
};
export const start = (pick: number): CommandSpec => workflow('StartTask', { task_id: task(pick), workspace_id: ws });
export const pin = (pick: number, fields: { session_id?: string; work_dir?: string }): CommandSpec => workflow('PinTaskSession', { task_id: task(pick), workspace_id: ws, ...body(fields) });
export const complete = (pick: number, fields: { output?: string; session_id?: string; work_dir?: string }): CommandSpec =>
  workflow('CompleteTask', { task_id: task(pick), workspace_id: ws, ...body(fields) });
export const failTask = (pick: number, fields: { error?: string; failure_reason?: string; session_id?: string; work_dir?: string }): CommandSpec =>
  workflow('FailTask', { task_id: task(pick), workspace_id: ws, ...body(fields) });

/** chatcheck's fixture changes to the world around chat. */
export const archiveAgent = (agent: number): CommandSpec => query('FixtureArchiveAgent', { id: row('agent', agent) });
export const archiveSession = (session: number): CommandSpec => query('FixtureArchiveChatSession', { id: row('chat_session', session) });
export const moveAgent = (agent: number, runtime: number): CommandSpec => query('FixtureMoveAgent', { runtime_id: row('agent_runtime', runtime), id: row('agent', agent) });
export const deleteRuntime = (runtime: number): CommandSpec => query('FixtureDeleteRuntime', { id: row('agent_runtime', runtime) });
