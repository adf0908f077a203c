/**
 * npm run bench: how fast the tester runs, as medians of repeated measurements, each with its ratio
 * to a baseline measured in the same run (never an absolute threshold: machines differ).
 *
 *   model only      commands/s of the model alone              baseline: none (pure CPU)
 *   PostgreSQL      commands/s of the sequential property      baseline: SELECT 1 round trips/s
 *                   (both for each command mix: with turns, and single commands only)
 *   reset           ms to empty the schema between runs        baseline: TRUNCATE … CASCADE
 *   start           ms to give a run its starting world        baseline: building it with commands
 *
 * Uses the server chatcheck would use (--database-url / DATABASE_URL, else Docker, else embedded).
 */
import fc from 'fast-check';
import { withLifecycle } from './commands/session.js';
import { bundledMigrationsDir, bundledQueryFiles, internalQueryFiles } from './paths.js';
import { connect } from './postgres/databases.js';
import { readMigrations } from './postgres/migrate.js';
import { runQuery } from './postgres/run-query.js';
import { provisionServer } from './postgres/server.js';
import { openTestbed } from './postgres/testbed.js';
import { requiredQueries } from './queries/required.js';
import { openRealConnection } from './sequential/connection.js';
import { commandSpec, commandSteps, type CommandSpec } from './sequential/generators.js';
import { ModelRun } from './sequential/model-run.js';
import { runSequential } from './sequential/property.js';
import { StartingWorld } from './sequential/start.js';
import { loadQueryFiles } from './sqlc/loader.js';

const REPEATS = 5;
/**
 * The model is pure CPU on a shared machine: one round is ~50 ms, so one GC pause or a busy
 * neighbour swings it by ×2. Many rounds after a long warm-up (V8 keeps tiering up for ~20 rounds)
 * give a median that holds still.
 */
const MODEL_WARMUP = 20;
const MODEL_REPEATS = 21;
const SEED = 20261126;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function repeat(times: number, measure: () => Promise<number> | number): Promise<number> {
  const results: number[] = [];
  for (let i = 0; i < times; i++) results.push(await measure());
  return median(results);
}

/**
 * The model alone: the same generated sequences, no database, each from the starting world as the
 * tester has it (the bootstrap run once, its state reused, as start.ts does). Returns commands/s.
 */
function modelOnly(sequences: readonly (readonly CommandSpec[])[]): number {
  const start = ModelRun.startingState();
  const started = performance.now();
  let commands = 0;
  for (const sequence of sequences) {
    const run = new ModelRun(start);
    for (const spec of sequence) {
      run.run(spec);
      commands++;
    }
  }
  return (commands / (performance.now() - started)) * 1000;
}

/**
 * The two command mixes: what the property generates (chat turns among single commands), and
 * single commands only (--no-turns). A turn's commands are the heavy ones (claims, completions):
 * the mixes differ in statements per command, so commands/s of one is not that of the other.
 */
const MIXES = [
  { name: 'with turns (default)', turns: true, steps: commandSteps },
  { name: 'single commands (--no-turns)', turns: false, steps: commandSpec.map((spec) => [spec]) },
] as const;

/** Statements a run executed: the per-query counts of the coverage map (not the per-command outcomes). */
function statementsOf(coverage: ReadonlyMap<string, number>): number {
  let statements = 0;
  for (const [key, count] of coverage) if (key.startsWith('query ') && !key.includes(' → ')) statements += count;
  return statements;
}

async function main(): Promise<void> {
  for (const mix of MIXES) {
    // As the property generates them: up to 50 steps (a turn counts as one), at full size.
    const sequences = fc.sample(fc.array(mix.steps, { maxLength: 50, size: 'max' }), { seed: SEED, numRuns: 500 }).map((steps) => steps.flat());
    // The model is pure CPU: let the JIT warm up on the same work before measuring it.
    await repeat(MODEL_WARMUP, () => modelOnly(sequences));
    const modelRate = await repeat(MODEL_REPEATS, () => modelOnly(sequences));
    console.log(`model only, ${mix.name}:  ${Math.round(modelRate).toLocaleString('en')} commands/s (median of ${MODEL_REPEATS} × 500 sequences of up to 50 steps, after ${MODEL_WARMUP} warm-up rounds)`);
  }

  await withLifecycle(async (lifecycle) => {
    const server = await provisionServer(lifecycle, process.argv[2] ?? undefined);
    console.log(server.description);
    const testbed = await openTestbed(lifecycle, { server, migrationsDir: bundledMigrationsDir, migrations: await readMigrations(bundledMigrationsDir) });
    const queries = await loadQueryFiles([...bundledQueryFiles, ...internalQueryFiles], requiredQueries);
    const connection = await openRealConnection(await testbed.copy('bench'), queries);
    lifecycle.hold('bench connection', () => connection.client.end());
    const { client } = connection;

    const roundTrips = await repeat(REPEATS, async () => {
      const started = performance.now();
      for (let i = 0; i < 500; i++) await client.query('SELECT 1');
      return (500 / (performance.now() - started)) * 1000;
    });
    for (const mix of MIXES) {
      let statementsPerCommand = 0;
      const sequential = await repeat(REPEATS, async () => {
        const report = await runSequential(connection, queries, { runs: 50, seed: SEED, maxCommands: 50, turns: mix.turns });
        if (report.finding) throw new Error(`the bench run found a divergence: ${report.finding.summary}`);
        statementsPerCommand = statementsOf(report.coverage) / report.commands;
        return (report.commands / report.durationMs) * 1000;
      });
      console.log(`PostgreSQL, ${mix.name}:  ${Math.round(sequential).toLocaleString('en')} commands/s, ${statementsPerCommand.toFixed(2)} statements per command (sequential property, 50 runs × up to 50 steps, median of ${REPEATS})`);
      console.log(`             beside SELECT 1: ${Math.round(roundTrips).toLocaleString('en')} round trips/s; ratio ${(sequential / roundTrips).toFixed(3)} commands per round trip time`);
    }

    // Reset: fill the schema with the bootstrap world, then empty it, 30 times per method.
    // What a run leaves behind, roughly: a world with a session, its messages and a task.
    const fill = (target: typeof client) =>
      target.query(`
        WITH w AS (INSERT INTO workspace (name, slug) VALUES ('w', 'w-' || gen_random_uuid()) RETURNING id),
             u AS (INSERT INTO "user" (name, email) VALUES ('u', 'u-' || gen_random_uuid()) RETURNING id),
             r AS (INSERT INTO agent_runtime (workspace_id, name, runtime_mode, provider) SELECT id, 'r', 'local', 'p' FROM w RETURNING id, workspace_id),
             a AS (INSERT INTO agent (workspace_id, name, runtime_mode, runtime_id) SELECT workspace_id, 'a', 'local', id FROM r RETURNING id, workspace_id, runtime_id),
             s AS (INSERT INTO chat_session (workspace_id, agent_id, creator_id) SELECT a.workspace_id, a.id, u.id FROM a, u RETURNING id),
             m AS (INSERT INTO chat_message (chat_session_id, role, content) SELECT id, 'user', 'hi' FROM s)
        INSERT INTO agent_task_queue (agent_id, runtime_id, chat_session_id) SELECT a.id, a.runtime_id, s.id FROM a, s`);
    const resetState = queries.get('ResetState');
    const methods: Record<string, (target: typeof client) => Promise<void>> = {
      // Every other table references one of these two, so CASCADE empties all nine.
      'TRUNCATE … CASCADE (baseline)': async (target) => {
        await target.query('TRUNCATE workspace, "user" CASCADE');
      },
      'DELETE with cascades (chosen)': async (target) => {
        await runQuery(target, resetState, []);
      },
    };
    const results: Record<string, number> = {};
    for (const [name, reset] of Object.entries(methods)) {
      results[name] = await repeat(30, async () => {
        await fill(client);
        const started = performance.now();
        await reset(client);
        return performance.now() - started;
      });
    }
    let copies = 0;
    results['CREATE DATABASE … TEMPLATE + DROP'] = await repeat(30, async () => {
      const started = performance.now();
      const target = await testbed.copy(`reset${++copies}`);
      const copy = await connect(target);
      await copy.end();
      await testbed.databases.drop(target.maintenanceDatabase);
      return performance.now() - started;
    });
    const baseline = results['TRUNCATE … CASCADE (baseline)']!;
    for (const [name, ms] of Object.entries(results)) {
      console.log(`reset:       ${name.padEnd(36)} ${ms.toFixed(2).padStart(8)} ms  (×${(ms / baseline).toFixed(2)} of TRUNCATE, median of 30)`);
    }

    // The start of a run as the property makes it: the first run builds the world with the ten
    // bootstrap commands after ResetState; later runs restore it in one round trip (start.ts).
    const setting = { connection, stateQueries: queries, stateEvery: 1 };
    const built = await repeat(30, async () => {
      const started = performance.now();
      await StartingWorld.build(setting);
      return performance.now() - started;
    });
    const { start } = await StartingWorld.build(setting);
    const restored = await repeat(30, async () => {
      const started = performance.now();
      await start.enter(setting);
      return performance.now() - started;
    });
    console.log(`start:       ${'ResetState + 10 commands (baseline)'.padEnd(36)} ${built.toFixed(2).padStart(8)} ms  (median of 30, tables compared)`);
    console.log(`start:       ${'restore in one round trip (chosen)'.padEnd(36)} ${restored.toFixed(2).padStart(8)} ms  (×${(restored / built).toFixed(2)} of the baseline, tables compared)`);
  });
}

await main();
