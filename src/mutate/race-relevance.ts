import type { TableName } from '../../model/schema.js';
import { idOf } from '../../model/state.js';
import { traced, type TracedStep } from '../../model/workflows/instrument.js';
import { workflow, type WorkflowInputs, type WorkflowName } from '../../model/workflows/index.js';
import { defaultRaces } from '../commands/race.js';
import { modelArgs } from '../sequential/arguments.js';
import { ModelRun } from '../sequential/model-run.js';
import { preludeOf, raceWorkflow } from '../race/race-workflows.js';
import { parseSync } from 'libpg-query';
import type { QuerySet } from '../sqlc/loader.js';
import type { Mutant } from './mutant.js';

/** A race of the default catalogue, with its index there (its seed is the run's seed plus that index). */
export interface IndexedRace {
  readonly index: number;
  readonly names: readonly string[];
}

/**
 * The queries each race workflow runs, as the model runs it alone from the start of its race: a
 * query no workflow of a race runs cannot be raced there (the preludes are the sequential
 * property's business).
 */
function queriesOf(name: string): ReadonlySet<string> {
  const race = raceWorkflow(name)!;
  const run = new ModelRun(ModelRun.startingState());
  for (const spec of preludeOf([race])) run.run(spec);
  const state = run.model.state;
  const known = (table: TableName) => Array.from({ length: state.lastIds[table] }, (_, i) => idOf(table, i + 1));
  const input = modelArgs(race.args, state, known);
  const log: TracedStep[] = [];
  run.model.run(traced(workflow(race.workflow, input as unknown as WorkflowInputs[WorkflowName]), log));
  return new Set(log.flatMap(({ step }) => (step.op === 'query' ? [step.name] : [])));
}

let cache: ReadonlyMap<string, ReadonlySet<string>> | undefined;

/** The queries each race workflow of the default catalogue runs, computed once. */
function queriesByWorkflow(): ReadonlyMap<string, ReadonlySet<string>> {
  cache ??= new Map(defaultRaces().flat().map((name) => [name, queriesOf(name)]));
  return cache;
}

/** The tables a statement names (FROM, JOIN, INSERT INTO, UPDATE, DELETE FROM; subqueries too). */
export function tablesNamed(sql: string): Set<string> {
  const tables = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'RangeVar' && typeof (value as { relname?: unknown }).relname === 'string') tables.add((value as { relname: string }).relname);
        walk(value);
      }
    }
  };
  walk(parseSync(sql));
  return tables;
}

/**
 * The races of the default catalogue that can show `mutant`, in catalogue order: those running
 * its query (SQL), its workflow (workflow), or a query naming its table (schema). `queries` are
 * the loaded queries under test (libpg-query loaded), for the tables each one names.
 */
export function racesFor(mutant: Mutant, queries: QuerySet): IndexedRace[] {
  const all = defaultRaces().map((names, index) => ({ index, names }));
  const runs = (names: readonly string[], test: (query: string) => boolean) => names.some((name) => [...(queriesByWorkflow().get(name) ?? [])].some(test));
  switch (mutant.family) {
    case 'workflow':
      return all.filter((race) => race.names.some((name) => raceWorkflow(name)?.workflow === mutant.of));
    case 'sql': {
      const query = mutant.id.split(':')[1];
      return all.filter((race) => runs(race.names, (name) => name === query));
    }
    case 'schema': {
      const table = mutant.id.split(':')[1]!.split('.')[0]!;
      return all.filter((race) => runs(race.names, (name) => queries.has(name) && tablesNamed(queries.get(name).sql).has(table)));
    }
  }
}
