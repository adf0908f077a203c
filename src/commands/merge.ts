import { readFile } from 'node:fs/promises';
import { SetupError } from '../errors.js';
import { EXIT_CONFORMS, EXIT_FINDING } from '../exit-codes.js';
import { mutationScore, mutationTable, type MutantResult } from '../mutate/mutation-report.js';
import { checkOutputFiles } from '../outputs.js';
import { RunReport } from '../report.js';

/** The parts of a mutate report that merging reads and checks. */
interface ShardReport {
  readonly file: string;
  readonly mutants: readonly MutantResult[];
  readonly seed: number;
  readonly seeds: number;
  readonly catalogue: number;
  readonly shard: { readonly index: number; readonly count: number } | null;
}

async function readShard(file: string): Promise<ShardReport> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new SetupError(`cannot read ${file} as a JSON report: ${(error as Error).message}`, 'give the files "chatcheck mutate --json" wrote');
  }
  const report = json as { version?: unknown; mutants?: unknown; interrupted?: unknown; stats?: Record<string, unknown> };
  const not = (why: string) => new SetupError(`${file} is not a finished mutate report: ${why}`, 'give the files "chatcheck mutate --shard I/N --json FILE" wrote');
  if (report.version !== 1) throw not(`version is ${JSON.stringify(report.version)}, not 1`);
  if (report.interrupted === true) throw not('the run was interrupted');
  if (report.stats?.command !== 'mutate' || !Array.isArray(report.mutants)) throw not(`it was written by "${String(report.stats?.command)}"`);
  const { seed, seeds, catalogue, shard } = report.stats as { seed: number; seeds: number; catalogue: number; shard: ShardReport['shard'] };
  return { file, mutants: report.mutants as MutantResult[], seed, seeds, catalogue, shard };
}

/**
 * `chatcheck merge A.json B.json …`: the shards of one mutate run as one report and one score. The
 * shards must share the seed, the seeds per mutant and the catalogue, and together hold every part
 * exactly once.
 */
export async function runMergeCommand(files: readonly string[], jsonFile: string | undefined, print: (line: string) => void = console.log): Promise<number> {
  await checkOutputFiles([{ option: '--json', file: jsonFile }]);
  const shards = await Promise.all(files.map(readShard));
  const [first] = shards;
  for (const shard of shards.slice(1)) {
    for (const field of ['seed', 'seeds', 'catalogue'] as const) {
      if (shard[field] !== first![field]) throw new SetupError(`${shard.file} and ${first!.file} are not shards of one run: their ${field} differs (${shard[field]} and ${first![field]})`, 'merge the reports of one run, all made with the same --seed and --seeds');
    }
  }
  const count = first!.shard?.count ?? 1;
  const parts = new Set(shards.map((shard) => shard.shard?.index ?? 1));
  if (shards.some((shard) => (shard.shard?.count ?? 1) !== count) || parts.size !== shards.length || parts.size !== count) {
    throw new SetupError(`the reports hold shards ${[...shards.map((shard) => (shard.shard ? `${shard.shard.index}/${shard.shard.count}` : 'whole'))].join(', ')}, not each of 1/${count} … ${count}/${count} once`, 'give every shard of the run once');
  }
  const mutants = shards.flatMap((shard) => shard.mutants);
  for (const line of mutationTable(mutants)) print(line);
  const survived = mutants.some((mutant) => mutant.status === 'survived');
  const report = new RunReport('merge', jsonFile);
  await report.finish({
    ok: !survived,
    findings: [],
    knownFindings: [],
    score: mutationScore(mutants),
    mutants,
    stats: { seed: first!.seed, seeds: first!.seeds, catalogue: first!.catalogue, shards: shards.length },
  });
  return survived ? EXIT_FINDING : EXIT_CONFORMS;
}
