/**
 * npm run bench: how fast the tester runs, as medians of repeated measurements, each with its ratio
 * to a baseline measured in the same run (never an absolute threshold: machines differ).
 *
 *   model only      commands/s of the model alone              baseline: none (pure CPU)
 *   PostgreSQL      commands/s and statements/s of the         baseline: the floor — the same
 *                   sequential property                          statements replayed alone (no model,
 *                   (both for each command mix: with turns,      no comparison), rounds interleaved;
 *                   and single commands only)                    ratio property/floor, target ≥ 0.5
 *   reset           ms to empty the schema between runs        baseline: TRUNCATE … CASCADE
 *   start           ms to give a run its starting world        baseline: building it with commands
 *   race            schedules/s of an exhaustive walk,         baseline: the same schedules unchecked
 *                   send vs delete, each run and judged          (restore, then one workflow after the other)
 *   wait seen       ms from a statement sent to the explorer   baseline: polling every 10 ms, as
 *                   knowing it waits on a lock                   PostgreSQL's isolation tester does
 *   mutate          s for mutate --workers 2 on six mutants    baseline: the same with --workers 1
 *                   (3 sql, 3 workflow), as child processes      (the row is skipped, saying why, when mutate fails)
 *
 * Uses the server chatcheck would use (--database-url / DATABASE_URL, else Docker, else embedded).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import type pg from 'pg';
import { SqlError } from '../model/errors.js';
import { workflow, type WorkflowInputs, type WorkflowName } from '../model/workflows/index.js';
import { withLifecycle } from './commands/session.js';
import type { Lifecycle } from './lifecycle.js';
import { bundledMigrationsDir, bundledQueryFiles, internalQueryFiles, packageRoot } from './paths.js';
import { connect } from './postgres/databases.js';
import { readMigrations } from './postgres/migrate.js';
import { runQuery } from './postgres/run-query.js';
import { provisionServer } from './postgres/server.js';
import { openTestbed, type Testbed } from './postgres/testbed.js';
import { requiredQueries } from './queries/required.js';
import { RaceRunner, type PreparedRace } from './race/race-runner.js';
import { racingWorkflows } from './race/race-workflows.js';
import { ExhaustiveWalk } from './race/schedule.js';
import { WaitObserver } from './race/wait-observer.js';
import { openRealConnection } from './sequential/connection.js';
import { commandSpec, commandSteps, type CommandSpec } from './sequential/generators.js';
import { ModelRun } from './sequential/model-run.js';
import { runSequential } from './sequential/property.js';
import { StartingWorld } from './sequential/start.js';
import { StatementRecording } from './sequential/statement-recording.js';
import { loadQueryFiles, type QuerySet } from './sqlc/loader.js';

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

    // The floor: the property's own PostgreSQL work, recorded once and replayed alone on a copy of
    // its own (statement-recording.ts). Property and floor rounds alternate, so both see the same
    // phase of a shared machine; the ratio is taken per round (adjacent measurements), then the median.
    const floorConnection = await openRealConnection(await testbed.copy('floor'), queries);
    lifecycle.hold('bench floor connection', () => floorConnection.client.end());
    for (const mix of MIXES) {
      const options = { runs: 50, seed: SEED, maxCommands: 50, turns: mix.turns };
      const { recording, result: recorded } = await StatementRecording.record(connection, queries, () => runSequential(connection, queries, options));
      if (recorded.finding) throw new Error(`the bench run found a divergence: ${recorded.finding.summary}`);
      // Warm-up of the floor's connection (its prepared statements); every replay also says whether
      // it did the recorded work: answers unlike the recording's (an error, a missing row) would not be.
      const warmUp = await recording.replay(floorConnection, queries);
      const { statements } = warmUp;
      let { differing } = warmUp;
      const property: number[] = [];
      const floor: number[] = [];
      const timeProperty = async () => {
        const started = performance.now();
        const report = await runSequential(connection, queries, options);
        property.push(performance.now() - started);
        if (report.finding) throw new Error(`the bench run found a divergence: ${report.finding.summary}`);
        // Same seed, same options: the same commands as the recorded run, or the ratio means nothing.
        if (report.commands !== recorded.commands) throw new Error(`a bench round ran ${report.commands} commands, the recorded run ${recorded.commands}`);
      };
      const timeFloor = async () => {
        const started = performance.now();
        const replayed = await recording.replay(floorConnection, queries);
        floor.push(performance.now() - started);
        differing = Math.max(differing, replayed.differing);
      };
      for (let round = 0; round < REPEATS; round++) {
        for (const measure of round % 2 === 0 ? [timeProperty, timeFloor] : [timeFloor, timeProperty]) await measure();
      }
      const propertyMs = median(property);
      const floorMs = median(floor);
      const ratio = median(property.map((ms, i) => floor[i]! / ms));
      const perSecond = (count: number, ms: number) => Math.round((count / ms) * 1000).toLocaleString('en');
      const { commands } = recorded;
      console.log(`PostgreSQL, ${mix.name}:  ${perSecond(commands, propertyMs)} commands/s, ${perSecond(statements, propertyMs)} statements/s (sequential property, 50 runs × up to 50 steps, ${(statements / commands).toFixed(2)} statements per command, median of ${REPEATS})`);
      console.log(`             floor: ${perSecond(statements, floorMs)} statements/s (the same ${statements.toLocaleString('en')} statements and ${recording.runs} run starts replayed, no model, no comparison; ${differing} answers unlike the recording's; median of ${REPEATS}, interleaved)`);
      console.log(`             ratio property/floor: ${ratio.toFixed(3)} (median of ${REPEATS} rounds' ratios; target ≥ 0.5)`);
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

    await benchRaceSchedules(lifecycle, testbed, queries);
    await benchWaitDetection(lifecycle, testbed);
    const mutants = await mutantsToTime();
    if (typeof mutants === 'string') console.log(`mutate:      skipped: ${mutants}`);
    else await benchMutateWorkers(server.target.connectionString, mutants);
  });
}

const CHATCHECK = path.join(packageRoot, 'bin', 'chatcheck.js');

/** No child may hold the bench longer than this: one that does is stopped and its row skipped. */
const CHILD_TIMEOUT_MS = 20 * 60_000;

/**
 * A chatcheck child process: its exit code (null when it did not exit by itself: stopped by the
 * timeout, or by a signal), output and wall time. Never throws for a failing run.
 */
function chatcheck(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [CHATCHECK, ...args], { maxBuffer: 64 * 1024 * 1024, timeout: CHILD_TIMEOUT_MS }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      const stopped = error?.killed ? `stopped after ${CHILD_TIMEOUT_MS / 60_000} min` : '';
      resolve({ code, stdout, stderr: stopped || stderr || (error?.message ?? ''), ms: performance.now() - started });
    });
  });
}

/** How a child that failed ended, and the last thing it said. */
function howItEnded(run: { code: number | null; stdout: string; stderr: string }): string {
  const last = (text: string) => text.trim().split('\n').at(-1)?.trim() ?? '';
  return `${run.code === null ? 'did not exit by itself' : `exited ${run.code}`}: ${last(run.stderr) || last(run.stdout)}`;
}

/**
 * The mutants the workers row times: the first three of family sql and of family workflow that
 * `chatcheck mutate --list` prints (`id<TAB>family<TAB>description`), equivalent ones left out
 * (mutate does not run them). A reason to skip the row instead, as one line of text.
 */
async function mutantsToTime(): Promise<readonly string[] | string> {
  const listed = await chatcheck(['mutate', '--list']);
  if (listed.code !== 0) return `"chatcheck mutate --list" ${howItEnded(listed)}`;
  const rows = listed.stdout.split('\n').map((line) => line.split('\t'));
  const first = (family: string) => rows.filter((row) => row[1] === family && row.length === 3).slice(0, 3).map((row) => row[0]!);
  const sql = first('sql');
  const workflow = first('workflow');
  if (sql.length < 3 || workflow.length < 3) return `"chatcheck mutate --list" lists ${sql.length} sql and ${workflow.length} workflow mutants that run; the row needs 3 of each`;
  return [...sql, ...workflow];
}

/**
 * `chatcheck mutate --workers 2` against `--workers 1` on the same mutants and seed, each a child
 * process as a user runs it (provisioning, every trial, the report), the two alternating, median of
 * 3 each. The ratio is 1-worker time over 2-worker time: 2 would be perfect use of two cores. A run
 * that does not finish with its score (exit 0: all killed, 1: one survived) skips the row, saying why.
 */
async function benchMutateWorkers(databaseUrl: string, mutants: readonly string[]): Promise<void> {
  const args = (workers: number) => ['mutate', '--database-url', databaseUrl, ...mutants.flatMap((id) => ['--mutant', id]), '--workers', String(workers), '--seed', String(SEED)];
  const times = new Map<number, number[]>([
    [1, []],
    [2, []],
  ]);
  for (let round = 0; round < 3; round++) {
    for (const workers of round % 2 === 0 ? [1, 2] : [2, 1]) {
      const run = await chatcheck(args(workers));
      // 0: every mutant killed, 1: one survived — either is a finished run, with its score printed.
      if ((run.code !== 0 && run.code !== 1) || !run.stdout.includes('mutation score')) {
        console.log(`mutate:      skipped: "chatcheck mutate --workers ${workers}" ${howItEnded(run)}`);
        return;
      }
      times.get(workers)!.push(run.ms);
    }
  }
  const one = median(times.get(1)!);
  const two = median(times.get(2)!);
  const label = `${mutants.length} mutants (${mutants.join(', ')}), 1 seed`;
  console.log(`mutate:      ${'--workers 1 (baseline)'.padEnd(36)} ${(one / 1000).toFixed(2).padStart(8)} s  (${label}; median of 3, alternating)`);
  console.log(`mutate:      ${'--workers 2'.padEnd(36)} ${(two / 1000).toFixed(2).padStart(8)} s  (ratio ${(one / two).toFixed(2)}: workers-1 time over workers-2 time, 2 is perfect on two cores)`);
}

/**
 * Race schedules/s: every interleaving of send vs delete (an exhaustive walk), each schedule run as
 * the explorer runs it — the start restored, one statement at a time with every wait asked of the
 * server, the final tables read, the oracle's verdict. The baseline is the same number of schedules
 * with none of that care (the start restored, then the two workflows one after the other), so the
 * ratio is what stepping, watching and judging cost over the work itself.
 */
async function benchRaceSchedules(lifecycle: Lifecycle, testbed: Testbed, queries: QuerySet): Promise<void> {
  const runner = await RaceRunner.open(await testbed.copy('race'), queries, { overlap: true, timeoutMs: 10_000 });
  lifecycle.hold('race runner connections', () => runner.close());
  const race = await runner.prepare(racingWorkflows(['send', 'delete']));
  // One walk to warm up; it also says how many schedules a walk has, and how many were findings.
  const { schedules, findings } = await walkEverySchedule(runner, race);
  const explored = await repeat(REPEATS, async () => {
    const started = performance.now();
    const walked = await walkEverySchedule(runner, race);
    return (walked.schedules / (performance.now() - started)) * 1000;
  });
  const unchecked = await repeat(REPEATS, async () => {
    const started = performance.now();
    for (let i = 0; i < schedules; i++) await runUnchecked(runner, race);
    return (schedules / (performance.now() - started)) * 1000;
  });
  console.log(`race:        ${'send vs delete, run and judged'.padEnd(36)} ${Math.round(explored).toLocaleString('en').padStart(8)} schedules/s  (${schedules} schedules per exhaustive walk, ${findings} judged findings; median of ${REPEATS} walks)`);
  console.log(`race:        ${'same count unchecked (baseline)'.padEnd(36)} ${Math.round(unchecked).toLocaleString('en').padStart(8)} schedules/s  (restore, then A's and B's programs in turn; median of ${REPEATS}); ratio ${(explored / unchecked).toFixed(3)}`);
}

/** Runs every interleaving of the race once, as the explorer's exhaustive walk does. */
async function walkEverySchedule(runner: RaceRunner, race: PreparedRace): Promise<{ schedules: number; findings: number }> {
  const walk = new ExhaustiveWalk();
  let schedules = 0;
  let findings = 0;
  while (!walk.done) {
    const result = await runner.run(race, walk.chooser());
    schedules++;
    if (!result.verdict.ok) findings++;
    walk.advance(result.execution.choices);
  }
  return { schedules, findings };
}

/** One schedule without the explorer: the start restored, then each workflow's real program in turn. */
async function runUnchecked(runner: RaceRunner, race: PreparedRace): Promise<void> {
  await race.start.enter({ connection: runner.control, stateQueries: runner.queries, stateEvery: 1 });
  for (const [i, racing] of race.workflows.entries()) {
    const input = race.realInputs[i]!;
    const program = racing.program?.(input) ?? workflow(racing.workflow, input as unknown as WorkflowInputs[WorkflowName]);
    try {
      await runner.explorer.sessions[i]!.connection.database.run(program);
    } catch (error) {
      // A database error the workflow does not catch is its answer, as in a schedule.
      if (!(error instanceof SqlError)) throw error;
    }
  }
}

const LOCKED_ROW_UPDATE = 'UPDATE bench_lock SET v = v + 1 WHERE id = 1';

/**
 * Wait detection: the time from B sending an UPDATE of a row A holds locked to the observer seeing
 * B wait on A. The explorer asks pg_blocking_pids back to back; the baseline is PostgreSQL's
 * isolation tester, which looks every 10 ms (it waits on the socket 10 ms, then asks). Every
 * schedule step that waits pays this, so it bounds how fast a walk can go.
 */
async function benchWaitDetection(lifecycle: Lifecycle, testbed: Testbed): Promise<void> {
  const target = await testbed.databases.create('locks');
  const open = async (role: string): Promise<pg.Client> => {
    const client = await connect(target);
    lifecycle.hold(`lock bench connection ${role}`, () => client.end());
    return client;
  };
  const holder = await open('A');
  const waiter = await open('B');
  const observer = new WaitObserver(await open('observer'));
  await holder.query('CREATE TABLE bench_lock (id int PRIMARY KEY, v int); INSERT INTO bench_lock VALUES (1, 0)');
  const pair = { holder, waiter, holderPid: await backendPid(holder), waiterPid: await backendPid(waiter) };
  await repeat(20, () => timeToSeeWait(pair, observer, 0)); // warm-up: plans, prepared statements
  const backToBack = await repeat(200, () => timeToSeeWait(pair, observer, 0));
  const every10 = await repeat(50, () => timeToSeeWait(pair, observer, 10));
  console.log(`wait seen:   ${'polled back to back (explorer)'.padEnd(36)} ${backToBack.toFixed(2).padStart(8)} ms  (×${(backToBack / every10).toFixed(3)} of the baseline, median of 200)`);
  console.log(`wait seen:   ${'polled every 10 ms (isolation tester)'.padEnd(36)} ${every10.toFixed(2).padStart(8)} ms  (baseline, median of 50)`);
}

interface LockPair {
  readonly holder: pg.Client;
  readonly waiter: pg.Client;
  readonly holderPid: number;
  readonly waiterPid: number;
}

/** One trial: A holds the row, B's UPDATE is sent, the clock runs until the observer sees B wait on A. */
async function timeToSeeWait(pair: LockPair, observer: WaitObserver, pollEveryMs: number): Promise<number> {
  await pair.holder.query('BEGIN');
  await pair.holder.query(LOCKED_ROW_UPDATE);
  const started = performance.now();
  const waiting = pair.waiter.query(LOCKED_ROW_UPDATE);
  try {
    for (;;) {
      if (pollEveryMs > 0) await sleep(pollEveryMs);
      const blockers = await observer.blockers([pair.waiterPid]);
      if (blockers.get(pair.waiterPid)?.includes(pair.holderPid)) break;
      if (performance.now() - started > 10_000) throw new Error('the observer never saw B wait on A');
    }
    return performance.now() - started;
  } finally {
    await pair.holder.query('ROLLBACK');
    await waiting;
  }
}

async function backendPid(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return rows[0]!.pid;
}

await main();
