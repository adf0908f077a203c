import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Lifecycle } from '../lifecycle.js';
import { DEFAULT_RACE_BUDGET, SCHEDULE_TIMEOUT_MS } from '../commands/race.js';
import { DEFAULT_MAX_COMMANDS, DEFAULT_RUNS } from '../commands/sequential.js';
import { SetupError } from '../errors.js';
import { internalQueryFiles } from '../paths.js';
import { connect, OwnedDatabases } from '../postgres/databases.js';
import { applyMigrations, type Migration } from '../postgres/migrate.js';
import type { ServerTarget } from '../postgres/target.js';
import { requiredQueries } from '../queries/required.js';
import { explore } from '../race/exploration.js';
import { raceFindingJson } from '../race/race-report.js';
import { RaceRunner } from '../race/race-runner.js';
import { racingWorkflows } from '../race/race-workflows.js';
import { plain } from '../report/plain.js';
import { openRealConnection } from '../sequential/connection.js';
import { runSequential } from '../sequential/property.js';
import { loadQueryFiles, QuerySet } from '../sqlc/loader.js';
import type { Mutant } from './mutant.js';
import { racesFor } from './race-relevance.js';

/** What every trial of a run shares: the server, the run's name space, the input under test. */
export interface TrialSetting {
  readonly server: ServerTarget;
  /** The run id: trials name their databases `chatcheck_<run>_…`, so the run drops whatever they leave. */
  readonly run: string;
  /** The migrated template of the unmutated schema. */
  readonly template: string;
  /** The query files under test, unmutated. */
  readonly queryFiles: readonly string[];
  readonly migrations: readonly Migration[];
  /** A directory the run removes at its end (also on Ctrl-C): mutated query files are written below it. */
  readonly scratch: string;
}

/**
 * Shrink attempts a sequential kill gets. A kill needs only the failing run; shrinking it all the
 * way took over half of a whole-catalogue run (619 s of 1142 s summed over the trials of seed 1),
 * up to 28 s for one mutant. Fifty attempts keep each under a few seconds and still take the first
 * failing run's commands down two- to threefold (a full shrink ends at 5 to 14).
 */
export const SHRINK_ATTEMPTS = 50;

/** Which part of the suite told the mutant apart from the original. */
export type Killer = 'sequential' | 'race';

/** One mutant at one seed. */
export type Trial =
  /** ms: the whole trial, shrinking included; msToKill: until the first failing run. */
  | { readonly status: 'killed'; readonly killedBy: Killer; readonly ms: number; readonly msToKill: number; readonly finding: Readonly<Record<string, unknown>> }
  | { readonly status: 'survived'; readonly ms: number }
  /** Refused before any test could run it: the loader or the server rejects the mutated SQL. Not a wrong query anyone could ship. */
  | { readonly status: 'invalid'; readonly ms: number; readonly reason: string };

/**
 * Runs the suite against one mutant at one seed, in databases of its own: the sequential property
 * at the default budget, then, if it passed, the races that can show the mutant at the default race
 * budget. The first finding kills; a known finding of the bundled queries does not. `role` names
 * the trial's databases, unique within the run.
 */
export async function runTrial(setting: TrialSetting, mutant: Mutant, seed: number, role: string): Promise<Trial> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const lifecycle = new Lifecycle();
  try {
    const databases = await OwnedDatabases.open(setting.server, lifecycle, setting.run);
    const prepared = await prepare(setting, mutant, databases, role, lifecycle);
    if ('invalid' in prepared) return { status: 'invalid', ms: ms(), reason: prepared.invalid };
    const { queries, template } = prepared;
    const realWorkflows = mutant.family === 'workflow' ? new Map([[mutant.of, mutant.program]]) : undefined;

    const connection = await openRealConnection(await databases.create(`${role}_seq`, template), queries);
    lifecycle.hold('sequential connection', () => connection.client.end());
    let detected: number | undefined;
    const sequential = await runSequential(connection, queries, {
      runs: DEFAULT_RUNS,
      seed,
      maxCommands: DEFAULT_MAX_COMMANDS,
      shorterSearches: 0,
      shrinkAttempts: SHRINK_ATTEMPTS,
      ...(realWorkflows ? { realWorkflows } : {}),
      onProgress: (_runs, _commands, phase) => {
        if (phase !== 'running') detected ??= ms();
      },
    });
    if (sequential.finding !== undefined) {
      const { replay, ...finding } = sequential.finding;
      const data = plain({ mode: 'sequential', ...finding, seed: replay.seed, path: replay.path }) as Record<string, unknown>;
      return { status: 'killed', killedBy: 'sequential', ms: ms(), msToKill: detected ?? ms(), finding: data };
    }

    const races = racesFor(mutant, queries);
    if (races.length === 0) return { status: 'survived', ms: ms() };
    const runner = await RaceRunner.open(await databases.create(`${role}_race`, template), queries, { overlap: true, timeoutMs: SCHEDULE_TIMEOUT_MS });
    lifecycle.hold('race connections', () => runner.close());
    for (const { index, names } of races) {
      const raceSeed = (seed + index) | 0;
      const workflows = racingWorkflows(names, [], realWorkflows);
      const exploration = await explore(runner, workflows, names.length > 2 ? { kind: 'sampled', runs: DEFAULT_RACE_BUDGET, seed: raceSeed } : { kind: 'exhaustive', budget: DEFAULT_RACE_BUDGET }, raceSeed);
      if (exploration.finding !== undefined) {
        // The explorer stops at its first finding (a sampled one shrinks toward the serial order first).
        return { status: 'killed', killedBy: 'race', ms: ms(), msToKill: ms(), finding: raceFindingJson(exploration, exploration.finding, '') };
      }
    }
    return { status: 'survived', ms: ms() };
  } finally {
    await lifecycle.close();
  }
}

/**
 * The query set and the template the mutant runs on: the mutated file loaded in place of its
 * original, or the mutated migrations applied to a template of its own. What the loader refuses,
 * or a migration the server refuses, is an invalid mutant. (Every mutant of the bundled files
 * loads, applies and PREPAREs; a trial does not pay for a plumbing pass to prove it again.)
 */
async function prepare(
  setting: TrialSetting,
  mutant: Mutant,
  databases: OwnedDatabases,
  role: string,
  lifecycle: Lifecycle,
): Promise<{ readonly queries: QuerySet; readonly template: string } | { readonly invalid: string }> {
  let files = setting.queryFiles;
  if (mutant.family === 'sql') {
    const dir = path.join(setting.scratch, role);
    await mkdir(dir, { recursive: true });
    lifecycle.hold(`directory ${dir}`, () => rm(dir, { recursive: true, force: true }));
    const copy = path.join(dir, mutant.file);
    await writeFile(copy, mutant.text);
    files = setting.queryFiles.map((file) => (path.basename(file) === mutant.file ? copy : file));
  }
  let queries: QuerySet;
  try {
    queries = await loadQueryFiles([...files, ...internalQueryFiles], requiredQueries);
  } catch (error) {
    if (error instanceof SetupError) return { invalid: error.problem };
    throw error;
  }

  let template = setting.template;
  if (mutant.family === 'schema') {
    const migrations = setting.migrations.map((migration) => (path.basename(migration.file) === mutant.file ? { ...migration, sql: mutant.text } : migration));
    const target = await databases.create(`${role}_schema`);
    template = target.maintenanceDatabase;
    const client = await connect(target);
    try {
      await applyMigrations(client, migrations);
    } catch (error) {
      if (error instanceof SetupError) return { invalid: error.problem };
      throw error;
    } finally {
      await client.end();
    }
  }

  return { queries, template };
}
