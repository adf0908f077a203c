/**
 * npm run bench: how fast the tester runs, as medians of repeated measurements, each with its ratio
 * to a baseline measured in the same run (never an absolute threshold: machines differ).
 *
 *   model only      commands/s of the model alone              baseline: none (pure CPU)
 *   PostgreSQL      commands/s of the sequential property      baseline: SELECT 1 round trips/s
 *   reset           ms to empty the schema between runs        baseline: TRUNCATE of the nine tables
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
import { commandSteps, type CommandSpec } from './sequential/generators.js';
import { ModelRun } from './sequential/model-run.js';
import { runSequential } from './sequential/property.js';
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

async function main(): Promise<void> {
  // As the property generates them: up to 50 commands (a turn counts as one), at full size.
  const sequences = fc.sample(fc.array(commandSteps, { maxLength: 50, size: 'max' }), { seed: SEED, numRuns: 500 }).map((steps) => steps.flat());
  // The model is pure CPU: let the JIT warm up on the same work before measuring it.
  await repeat(MODEL_WARMUP, () => modelOnly(sequences));
  const modelRate = await repeat(MODEL_REPEATS, () => modelOnly(sequences));
  console.log(`model only:  ${Math.round(modelRate).toLocaleString('en')} commands/s (median of ${MODEL_REPEATS} × 500 sequences of up to 50 commands, after ${MODEL_WARMUP} warm-up rounds)`);

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
    const sequential = await repeat(REPEATS, async () => {
      const report = await runSequential(connection, queries, { runs: 50, seed: SEED, maxCommands: 50 });
      if (report.finding) throw new Error(`the bench run found a divergence: ${report.finding.summary}`);
      return (report.commands / report.durationMs) * 1000;
    });
    console.log(`PostgreSQL:  ${Math.round(sequential).toLocaleString('en')} commands/s (sequential property, 50 runs × up to 50 commands, median of ${REPEATS})`);
    console.log(`             baseline SELECT 1: ${Math.round(roundTrips).toLocaleString('en')} round trips/s; ratio ${(sequential / roundTrips).toFixed(3)} commands per round trip time`);

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
      'TRUNCATE (baseline)': async (target) => {
        await target.query('TRUNCATE workspace, "user", member, agent_runtime, agent, issue, chat_session, chat_message, agent_task_queue');
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
    const baseline = results['TRUNCATE (baseline)']!;
    for (const [name, ms] of Object.entries(results)) {
      console.log(`reset:       ${name.padEnd(36)} ${ms.toFixed(2).padStart(8)} ms  (×${(ms / baseline).toFixed(2)} of TRUNCATE, median of 30)`);
    }
  });
}

await main();
