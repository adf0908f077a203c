import type pg from 'pg';
import { catalogue } from '../../model/catalogue.js';
import { SqlError } from '../../model/errors.js';
import { ModelDatabase } from '../../model/model-database.js';
import { query, type Outcome, type Program, type QueryResult } from '../../model/program.js';
import type { TableName } from '../../model/schema.js';
import { invariants, type Invariant } from '../../model/invariants.js';
import type { State, Table } from '../../model/state.js';
import type { Row, Value } from '../../model/values.js';
import { workflow, type WorkflowInputs, type WorkflowName } from '../../model/workflows/index.js';
import { Comparer, type Difference, type OrderKey } from '../compare/compare.js';
import { Correspondence } from '../compare/correspondence.js';
import { compareTables } from '../compare/state.js';
import type { PostgresDatabase } from '../sql/postgres-database.js';
import { RealId, type RealValues } from '../sql/real-values.js';
import type { QuerySet } from '../sqlc/loader.js';
import { describeResolved, modelArgs, realArgs } from './arguments.js';
import type { CommandSpec } from './generators.js';
import type { RealConnection } from './connection.js';
import { freeRun, type RealWorkflows } from './free-run.js';
import { lockstep } from './lockstep.js';

/** The queries that read a whole table, in the order tables are compared (parents first). */
export const STATE_QUERIES: readonly (readonly [TableName, string])[] = [
  ['workspace', 'StateWorkspaces'],
  ['user', 'StateUsers'],
  ['member', 'StateMembers'],
  ['agent_runtime', 'StateRuntimes'],
  ['agent', 'StateAgents'],
  ['issue', 'StateIssues'],
  ['chat_session', 'StateChatSessions'],
  ['chat_message', 'StateChatMessages'],
  ['agent_task_queue', 'StateTasks'],
];

/** PostgreSQL's tables break a rule that holds of every state at 60b (model/invariants.ts). */
export class InvariantError extends Error {
  constructor(
    readonly command: string,
    readonly invariant: Invariant,
    /** Each group of rows that breaks it together, as model ids where known (else the UUID). */
    readonly offenders: readonly (readonly string[])[],
  ) {
    super(`${command}: PostgreSQL breaks "${invariant.name}": ${invariant.rule}`);
  }
}

/** A difference between the worlds, with where it showed. */
export class DivergenceError extends Error {
  constructor(
    readonly command: string,
    readonly where: string,
    readonly difference: Difference,
  ) {
    super(`${command}: ${where}: ${difference.path}: ${difference.why}`);
  }
}

/** What a World runs on and how it reports: shared by every run of a property. */
export interface WorldSetting {
  readonly connection: RealConnection;
  /** chatcheck's own queries (state.sql, fixture.sql): how tables are read. */
  readonly stateQueries: QuerySet;
  /** Compare whole tables after every n-th command (1: after each); compareState does it on demand. */
  readonly stateEvery: number;
  /** Counts shared by the runs: how often each query did something and how each command ended. */
  readonly coverage?: Map<string, number>;
  /**
   * Workflows PostgreSQL runs in another version than the catalogue's (a mutant), by operation; the
   * model keeps the spec. Such a command is not run in lockstep: each side runs alone to completion
   * and only the answers and the tables are compared (free-run.ts, which says what that loses).
   */
  readonly realWorkflows?: RealWorkflows | undefined;
}

/**
 * One run of the sequential property: the model and a PostgreSQL database side by side, and what
 * has been learned about how their ids and times correspond. Both start empty, or from a saved
 * start (see start.ts): the model's state then, and what the tester knew of ids and times.
 */
export class World {
  readonly model: ModelDatabase;
  readonly correspondence: Correspondence;
  readonly comparer: Comparer;
  readonly client: pg.ClientBase;
  readonly real: PostgresDatabase;
  readonly values: RealValues;
  readonly stateQueries: QuerySet;
  readonly stateEvery: number;
  /** Each command, one readable line, for the counterexample. */
  readonly log: string[] = [];
  /**
   * Each command run, as data (a case file's commands), one for each line ever pushed to `log`.
   * Whoever empties `log` (start.ts, after the bootstrap) leaves these: `commands` pairs the two.
   */
  readonly #specs: CommandSpec[] = [];
  /**
   * How often each query did something (`query GetAgent`: returned a row or rows, or affected one)
   * and how each command ended (`workflow SendChatMessage → 201`, `query GetAgent → row`).
   */
  readonly coverage: Map<string, number>;
  /** PostgreSQL's versions of workflows, in place of the catalogue's (see WorldSetting). */
  readonly realWorkflows: RealWorkflows | undefined;

  constructor(setting: WorldSetting, start?: { readonly state: State; readonly correspondence: Correspondence }) {
    this.client = setting.connection.client;
    this.real = setting.connection.database;
    this.values = setting.connection.values;
    this.stateQueries = setting.stateQueries;
    this.stateEvery = setting.stateEvery;
    this.coverage = setting.coverage ?? new Map();
    this.realWorkflows = setting.realWorkflows;
    this.model = new ModelDatabase(start?.state);
    this.correspondence = start?.correspondence.copy() ?? new Correspondence();
    this.comparer = new Comparer(this.correspondence);
  }

  /** The commands of the lines in `log`, in order: what a case file replays. */
  get commands(): readonly CommandSpec[] {
    return this.#specs.slice(this.#specs.length - this.log.length);
  }

  #count(key: string): void {
    this.coverage.set(key, (this.coverage.get(key) ?? 0) + 1);
  }

  async run(spec: CommandSpec, { compareState = true } = {}): Promise<void> {
    const state = this.model.state;
    const modelInput = modelArgs(spec.args, state, (table) => this.correspondence.knownIds(table));
    const line = `${spec.name}(${describeResolved(spec.args, modelInput)})`;
    this.log.push(line);
    this.#specs.push(spec);
    const realInput = realArgs(spec.args, state, this.correspondence, this.values);
    const [modelProgram, realProgram] =
      spec.kind === 'query'
        ? [queryProgram(spec.name, modelInput), queryProgram(spec.name, realInput as Record<string, Value>)]
        : [workflow(spec.name as WorkflowName, modelInput as unknown as WorkflowInputs[WorkflowName]), workflow(spec.name as WorkflowName, realInput as unknown as WorkflowInputs[WorkflowName])];
    // Another version on PostgreSQL's side: the spec and it each run alone (free-run.ts).
    const realWorkflow = spec.kind === 'workflow' ? this.realWorkflows?.get(spec.name as WorkflowName) : undefined;
    let result;
    try {
      result =
        realWorkflow === undefined
          ? await lockstep<Outcome | QueryResult>(this.model, this.real, modelProgram, realProgram, this.comparer, orderOf, this.#modelKey)
          : await freeRun<Outcome | QueryResult>(this.model, this.real, modelProgram, realWorkflow(realInput), this.comparer, orderOf, this.#modelKey);
    } finally {
      // Stopped inside begin…commit (a divergence, or a tester error): nothing of it may linger.
      if (result === undefined || 'at' in result) await this.real.abandon();
    }
    if ('at' in result) throw new DivergenceError(line, `statement ${result.at} (${result.step ?? 'end'})`, result.difference);
    // A query counts as reached when it returned or changed something, not merely when it ran.
    for (const step of result.reached) this.#count(`query ${step}`);
    this.#count(`${spec.kind} ${spec.name} → ${outcomeLabel(result.model)}`);
    const outcome =
      result.model instanceof SqlError || result.real instanceof SqlError
        ? sameError(result.model, result.real)
        : this.comparer.outcome(result.model, result.real, 'answer');
    if (outcome) throw new DivergenceError(line, 'answer', outcome);
    if (compareState && this.log.length % this.stateEvery === 0) await this.compareState(line);
  }

  /**
   * Compares every table with the model's, then every elapsed time whose timestamps are now known.
   * A table neither side changed since it last matched is not read again: the model's tables are
   * immutable objects (unchanged = the same object), PostgreSQL's are fingerprinted (count, newest
   * xmin), and after commands that wrote nothing on PostgreSQL's side (see takeWrote) not even the
   * fingerprints are asked for. Both sides unchanged means the comparison would repeat one that passed.
   *
   * One round trip as a rule: the fingerprints go with the tables the model changed (PostgreSQL
   * changed them too, or they differ). A second one reads what only PostgreSQL changed.
   */
  async compareState(line: string): Promise<void> {
    const state = this.model.state;
    const modelChanged = STATE_QUERIES.filter(([table]) => {
      const seen = this.#matched.get(table);
      return seen === undefined || seen.model !== state.table(table);
    });
    const fingerprinted = this.real.takeWrote() || this.#fingerprints === undefined;
    const names = [...(fingerprinted ? ['StateFingerprints'] : []), ...modelChanged.map(([, name]) => name)];
    const read = names.length > 0 ? await this.readState(names) : [];
    const now = fingerprinted ? (read.shift()![0] ?? {}) : this.#fingerprints!;
    const tables = new Map(modelChanged.map(([table], i) => [table, read[i]!]));
    const realChanged = STATE_QUERIES.filter(([table]) => !tables.has(table) && this.#matched.get(table)?.fingerprint !== now[table]);
    const more = realChanged.length > 0 ? await this.readState(realChanged.map(([, name]) => name)) : [];
    realChanged.forEach(([table], i) => tables.set(table, more[i]!));
    this.compareTables(line, now, tables);
  }

  /**
   * Compares tables read from PostgreSQL with the model's and, once they match, remembers them
   * with their fingerprints (so compareState reads them again only after one side changes them),
   * and the fingerprints as PostgreSQL's current ones.
   */
  compareTables(line: string, fingerprints: Readonly<Record<string, unknown>>, tables: ReadonlyMap<TableName, readonly Record<string, unknown>[]>): void {
    const state = this.model.state;
    this.#fingerprints = fingerprints;
    for (const [table] of STATE_QUERIES) {
      const rows = tables.get(table);
      if (rows === undefined) continue;
      // A broken rule first: it says more than the row difference it also causes.
      for (const invariant of invariantsOf(table)) {
        const offenders = invariant.violations(rows);
        if (offenders.length > 0) throw new InvariantError(line, invariant, offenders.map((group) => group.map((row) => this.#describeRow(table, row))));
      }
      const difference = compareTables(table, state.table(table).rows(), rows, this.comparer);
      if (difference) throw new DivergenceError(line, 'state', difference);
      this.#matched.set(table, { model: state.table(table), fingerprint: fingerprints[table] });
    }
    const elapsed = this.comparer.settleElapsed();
    if (elapsed) throw new DivergenceError(line, 'state', elapsed);
  }

  /**
   * Runs internal state queries in one round trip (a multi-statement text is one simple query).
   * The fingerprints run as a statement prepared once per connection with SQL's PREPARE: planning
   * their nine scans costs more than running them, and a simple query would plan them every time.
   */
  async readState(names: readonly string[]): Promise<Record<string, unknown>[][]> {
    if (names.includes('StateFingerprints') && !fingerprintsPrepared.has(this.client)) {
      await this.client.query(`PREPARE ${FINGERPRINTS} AS ${this.stateQueries.get('StateFingerprints').sql}`);
      fingerprintsPrepared.add(this.client);
    }
    const sql = names.map((name) => (name === 'StateFingerprints' ? `EXECUTE ${FINGERPRINTS}` : this.stateQueries.get(name).sql)).join(';\n');
    const result = (await this.client.query(sql)) as unknown as { rows: Record<string, unknown>[] } | { rows: Record<string, unknown>[] }[];
    return (Array.isArray(result) ? result : [result]).map(({ rows }) => rows);
  }

  /** PostgreSQL's fingerprints as last read; still current while only read-only queries ran. */
  #fingerprints: Readonly<Record<string, unknown>> | undefined;

  /** A real row by its model id when the correspondence knows it, else by its UUID. */
  #describeRow(table: TableName, row: Readonly<Record<string, unknown>>): string {
    const id = row['id'];
    if (!(id instanceof RealId)) return `${table} ${String(id)}`;
    return this.correspondence.modelId(id) ?? `${table} ${id.uuid}`;
  }

  /** Per table, the model table and the real fingerprint of the last comparison that passed. */
  readonly #matched = new Map<TableName, { model: Table; fingerprint: unknown }>();

  /** A sort key's value on a model row; a key read from another row (`from`) is looked up in the model. */
  readonly #modelKey = (row: Readonly<Record<string, unknown>>, [column, , from]: OrderKey): unknown => {
    if (from === undefined) return row[column];
    if (from.id === undefined) return undefined;
    return this.model.state.get(from.table, row[from.id] as Value)?.[column];
  };
}

/** The SQL-level prepared statement of StateFingerprints, and the connections that have it. */
const FINGERPRINTS = 'chatcheck_state_fingerprints';
const fingerprintsPrepared = new WeakSet<pg.ClientBase>();

function invariantsOf(table: TableName): readonly Invariant[] {
  return invariants.filter((invariant) => invariant.table === table);
}

/** How a command or a workflow ended, in a few words: `201`, `404 chat session not found`, `SQLSTATE 23503`, `row`. */
export function outcomeLabel(result: unknown): string {
  if (result instanceof SqlError) return `SQLSTATE ${result.code}`;
  const value = result as { status?: number; body?: { error?: unknown }; kind?: string; row?: unknown; rows?: unknown[] };
  if (typeof value.status === 'number') return value.status >= 400 && typeof value.body?.error === 'string' ? `${value.status} ${value.body.error}` : String(value.status);
  if (value.kind === 'one') return value.row === null ? 'no row' : 'row';
  if (value.kind === 'many') return value.rows?.length ? 'rows' : 'no rows';
  return value.kind ?? 'done';
}

/** Both sides ended with the same database error (lockstep already compared the statement). */
function sameError(model: unknown, real: unknown): Difference | undefined {
  if (model instanceof SqlError && real instanceof SqlError && model.code === real.code) return undefined;
  const describe = (side: unknown) => (side instanceof SqlError ? `SQLSTATE ${side.code}` : 'an answer');
  return { path: 'answer', model: describe(model), real: describe(real), why: 'one side ended with an error' };
}

function* queryProgram(name: string, args: Readonly<Record<string, Value>>): Program<QueryResult> {
  return yield* query(name, args);
}

function orderOf(name: string): readonly OrderKey[] | undefined {
  return catalogue.get(name)?.ordering;
}

export type { Row };
