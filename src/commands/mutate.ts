import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SetupError } from '../errors.js';
import { EXIT_CONFORMS, EXIT_FINDING } from '../exit-codes.js';
import { mutantCatalogue, type CatalogueEntry, type SourceFile } from '../mutate/catalogue.js';
import type { Trial } from '../mutate/mutant-trial.js';
import { mutantResult, mutationScore, mutationTable, scoreLine, type MutantResult } from '../mutate/mutation-report.js';
import { runTrials, type TrialJob } from '../mutate/trial-pool.js';
import { inShard, type RunOptions } from '../options.js';
import { derivedSeed } from '../parallel/derived-seed.js';
import { readMigrations } from '../postgres/migrate.js';
import { inputArguments, withTestbed } from './setup.js';

/** The files under test, read as text: the catalogue is built from them before any server starts. */
async function readInput(options: RunOptions): Promise<{ queries: SourceFile[]; migrations: SourceFile[] }> {
  const queries = await Promise.all(options.queryFiles.map(async (file) => ({ file, text: await readFile(file, 'utf8') })));
  const migrations = (await readMigrations(options.sqlcConfig === undefined ? options.schemaPaths[0]! : options.schemaPaths)).map(({ file, sql }) => ({ file, text: sql }));
  return { queries, migrations };
}

/**
 * The mutants this run takes: the --mutant ids (each must exist), else the whole catalogue; with
 * --shard I/N, every N-th of them from the I-th — a fixed split, so N machines cover it exactly once.
 */
export function selectMutants(catalogue: readonly CatalogueEntry[], options: Pick<RunOptions, 'mutants' | 'shard'>): CatalogueEntry[] {
  const unknown = options.mutants.filter((id) => !catalogue.some((mutant) => mutant.id === id));
  if (unknown.length > 0) throw new SetupError(`no mutant ${unknown[0]} in the catalogue`, 'run "chatcheck mutate --list" for the ids');
  const chosen = options.mutants.length === 0 ? catalogue : catalogue.filter((mutant) => options.mutants.includes(mutant.id));
  return inShard(chosen, options.shard);
}

/** A trial's seed: fixed by the run's seed, the mutant and the seed's number — never by which worker or shard runs it. */
export function trialSeed(runSeed: number, id: string, k: number): number {
  return derivedSeed(runSeed, id, k);
}

/** `chatcheck mutate`: the mutation score of the whole suite against the files under test. */
export async function runMutateCommand(options: RunOptions, print: (line: string) => void = console.log): Promise<number> {
  const input = await readInput(options);
  const catalogue = await mutantCatalogue(input.queries, input.migrations);
  if (options.list) {
    for (const mutant of catalogue) print(`${mutant.id}\t${mutant.family}\t${mutant.description}${mutant.equivalent === undefined ? '' : `\t(equivalent: ${mutant.equivalent})`}`);
    return EXIT_CONFORMS;
  }
  const selected = selectMutants(catalogue, options);
  const seed = options.seed ?? Date.now() ^ (Math.random() * 0x100000000);

  return withTestbed('mutate', options, print, async (testbed, { migrations }, { lifecycle, report, print: say, detail, progress }) => {
    const scratch = await mkdtemp(path.join(tmpdir(), 'chatcheck-mutate-'));
    lifecycle.hold(`directory ${scratch}`, () => rm(scratch, { recursive: true, force: true }));
    // Databases a trial had not dropped when the run ended (Ctrl-C): the run drops them with its own.
    lifecycle.hold('trial databases', () => testbed.databases.adoptRunRemnants());

    const counted = selected.filter((mutant) => mutant.equivalent === undefined);
    const jobs: TrialJob[] = counted.flatMap((mutant, m) =>
      Array.from({ length: options.seeds }, (_, k) => ({ mutant, k, seed: trialSeed(seed, mutant.id, k), role: `m${m}s${k}` })),
    );
    const shard = options.shard === undefined ? '' : `, shard ${options.shard.index}/${options.shard.count}`;
    detail(`mutate: ${selected.length} of ${catalogue.length} mutants${shard} (${selected.length - counted.length} equivalent, not run), ${options.seeds} seed${options.seeds === 1 ? '' : 's'} each, ${Math.min(options.workers, Math.max(jobs.length, 1))} worker(s), seed ${seed}`);

    const meter = progress('mutate', 'trials');
    let done = 0;
    meter.update(done, jobs.length);
    // As each mutant's last seed ends its result is made: a survivor is printed at once, and the
    // report of a run stopped by Ctrl-C keeps every mutant finished so far.
    const pending = new Map(counted.map((mutant) => [mutant.id, { mutant, trials: [] as Trial[] }]));
    const finished = new Map(selected.filter((mutant) => mutant.equivalent !== undefined).map((mutant) => [mutant.id, mutantResult(mutant, [])]));
    const onTrial = (job: TrialJob, trial: Trial): void => {
      meter.update(++done, jobs.length);
      const entry = pending.get(job.mutant.id)!;
      entry.trials[job.k] = trial;
      if (entry.trials.filter(Boolean).length < options.seeds) return;
      const result = mutantResult(entry.mutant, entry.trials);
      finished.set(result.id, result);
      report.partial = { score: mutationScore([...finished.values()]), mutants: [...finished.values()] };
      if (result.status === 'survived') {
        meter.clear();
        say(mutationTable([result])[0]!);
      }
    };
    try {
      await runTrials(
        jobs,
        { server: testbed.server.target, run: testbed.databases.run, template: testbed.template, queryFiles: options.queryFiles, migrations, scratch },
        options.workers,
        lifecycle,
        input,
        onTrial,
      );
    } finally {
      meter.clear();
    }

    // Every mutant has finished (runTrials ran every trial): its result, in catalogue order.
    const results: MutantResult[] = selected.map((mutant) => finished.get(mutant.id)!);
    // Survivors were printed as they were found; the table repeats them first, above the killed
    // (--quiet: the score line alone).
    for (const line of options.quiet ? [scoreLine(results)] : mutationTable(results)) say(line);
    const survived = results.some((result) => result.status === 'survived');
    await report.finish({
      ok: !survived,
      findings: [],
      knownFindings: [],
      score: mutationScore(results),
      mutants: results,
      // inputs: what a rerun line must add to name the queries and migrations under test.
      stats: { seed, seeds: options.seeds, workers: options.workers, shard: options.shard ?? null, catalogue: catalogue.length, inputs: inputArguments(options, false).trim() },
    });
    return survived ? EXIT_FINDING : EXIT_CONFORMS;
  });
}
