import { SqlError } from '../../model/errors.js';
import { ModelDatabase } from '../../model/model-database.js';
import { query, type Program } from '../../model/program.js';
import type { TableName } from '../../model/schema.js';
import { idOf, type State } from '../../model/state.js';
import { workflow, type WorkflowInputs, type WorkflowName } from '../../model/workflows/index.js';
import { modelArgs } from './arguments.js';
import { bootstrap, type CommandSpec } from './generators.js';

/**
 * Generated commands on the model alone, without PostgreSQL: for the benchmark and for properties
 * of the model itself. There is no correspondence, so every id the model ever gave out counts as
 * known (with PostgreSQL, ids burnt by failed inserts are not: references resolve differently).
 */
export class ModelRun {
  readonly model: ModelDatabase;
  readonly #known = new Map<TableName, string[]>();

  constructor(start?: State) {
    this.model = new ModelDatabase(start);
  }

  /** The state after the bootstrap commands, where every tester run starts (see start.ts). */
  static startingState(): State {
    const run = new ModelRun();
    for (const spec of bootstrap) run.run(spec);
    return run.model.state;
  }

  /** Runs one command; a database error is an answer like any other. */
  run(spec: CommandSpec): unknown {
    const state = this.model.state;
    const args = modelArgs(spec.args, state, (table) => this.#knownIds(table, state.lastIds[table]));
    const program: Program<unknown> = spec.kind === 'query' ? query(spec.name, args) : workflow(spec.name as WorkflowName, args as unknown as WorkflowInputs[WorkflowName]);
    try {
      return this.model.run(program);
    } catch (error) {
      if (error instanceof SqlError) return error;
      throw error;
    }
  }

  #knownIds(table: TableName, last: number): string[] {
    let list = this.#known.get(table);
    if (list === undefined) this.#known.set(table, (list = []));
    for (let n = list.length + 1; n <= last; n++) list.push(idOf(table, n));
    return list;
  }
}
