import { readFile } from 'node:fs/promises';
import { SetupError } from '../errors.js';
import { EXIT_CONFORMS, EXIT_FINDING } from '../exit-codes.js';
import { mutationScore, mutationTable, type MutantResult } from '../mutate/mutation-report.js';
import type { Shard } from '../options.js';
import { checkOutputFiles } from '../outputs.js';
import { REPORT_VERSION, RunReport, type ReportOutputs } from '../report/run-report.js';

/** The commands whose shards merge. */
type ShardedCommand = 'mutate' | 'check';

/** One shard's --json report, as merging reads it. */
interface ShardReport {
  readonly file: string;
  readonly command: ShardedCommand;
  readonly shard: Shard | null;
  readonly findings: readonly Record<string, unknown>[];
  readonly knownFindings: readonly Record<string, unknown>[];
  readonly mutants: readonly MutantResult[];
  readonly stats: Readonly<Record<string, unknown>>;
}

async function readShard(file: string): Promise<ShardReport> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new SetupError(`cannot read ${file} as a JSON report: ${(error as Error).message}`, 'give the files "chatcheck mutate --json" (or "chatcheck check --json") wrote');
  }
  const report = json as { version?: unknown; mutants?: unknown; findings?: unknown; knownFindings?: unknown; interrupted?: unknown; stats?: Record<string, unknown> };
  const not = (why: string) => new SetupError(`${file} is not a finished mutate or check report: ${why}`, 'give the files "chatcheck mutate --shard I/N --json FILE" (or "chatcheck check --shard I/N --json FILE") wrote');
  if (report.version !== REPORT_VERSION) throw not(`its version is ${JSON.stringify(report.version)}, not ${REPORT_VERSION} (a report of another chatcheck version: rerun that shard with this one)`);
  if (report.interrupted === true) throw not('the run was interrupted');
  const command = report.stats?.command;
  if (command === 'mutate' && !Array.isArray(report.mutants)) throw not('it has no mutants');
  if (command !== 'mutate' && command !== 'check') throw not(`it was written by "${String(command)}"`);
  return {
    file,
    command,
    shard: (report.stats!.shard as Shard | null | undefined) ?? null,
    findings: Array.isArray(report.findings) ? (report.findings as Record<string, unknown>[]) : [],
    knownFindings: Array.isArray(report.knownFindings) ? (report.knownFindings as Record<string, unknown>[]) : [],
    mutants: Array.isArray(report.mutants) ? (report.mutants as MutantResult[]) : [],
    stats: report.stats!,
  };
}

/** The shards were written by one command, with the same values of what fixes the run (its seed, …). */
function checkOneRun(shards: readonly ShardReport[], fixed: (shard: ShardReport) => Readonly<Record<string, unknown>>): void {
  const [first] = shards;
  for (const shard of shards.slice(1)) {
    if (shard.command !== first!.command) throw new SetupError(`${shard.file} and ${first!.file} are not shards of one run: one is a ${shard.command} report, the other a ${first!.command} report`, 'merge the reports of one run');
    for (const [field, value] of Object.entries(fixed(shard))) {
      const expected = fixed(first!)[field];
      if (JSON.stringify(value) !== JSON.stringify(expected)) {
        throw new SetupError(`${shard.file} and ${first!.file} are not shards of one run: their ${field} differs (${JSON.stringify(value)} and ${JSON.stringify(expected)})`, 'merge the reports of one run, all made with the same --seed and --seeds');
      }
    }
  }
}

/** Together the shards hold every part 1/N … N/N exactly once. Returns them in part order. */
function inPartOrder(shards: readonly ShardReport[]): ShardReport[] {
  const count = shards[0]!.shard?.count ?? 1;
  const parts = new Set(shards.map((shard) => shard.shard?.index ?? 1));
  if (shards.some((shard) => (shard.shard?.count ?? 1) !== count) || parts.size !== shards.length || parts.size !== count) {
    throw new SetupError(`the reports hold shards ${[...shards.map((shard) => (shard.shard ? `${shard.shard.index}/${shard.shard.count}` : 'whole'))].join(', ')}, not each of 1/${count} … ${count}/${count} once`, 'give every shard of the run once');
  }
  return [...shards].sort((a, b) => (a.shard?.index ?? 1) - (b.shard?.index ?? 1));
}

/**
 * `chatcheck merge A.json B.json …`: the shards of one mutate run as one report and one score, or
 * the shards of one check run as one report. The shards must come from one run (the same seed, and
 * for mutate the same seeds per mutant and catalogue) and together hold every part exactly once.
 */
export async function runMergeCommand(files: readonly string[], outputs: Pick<ReportOutputs, 'json' | 'junit'>, print: (line: string) => void = console.log): Promise<number> {
  await checkOutputFiles([
    { option: '--json', file: outputs.json },
    { option: '--junit', file: outputs.junit },
  ]);
  const shards = await Promise.all(files.map(readShard));
  if (shards[0]!.command === 'mutate') {
    checkOneRun(shards, ({ stats }) => ({ seed: stats.seed, seeds: stats.seeds, catalogue: stats.catalogue }));
    return mergeMutate(inPartOrder(shards), outputs, print);
  }
  checkOneRun(shards, ({ stats }) => ({ seed: sectionOf(stats, 'sequential').seed, 'race seed': sectionOf(stats, 'race').seed }));
  return mergeCheck(inPartOrder(shards), outputs, print);
}

/** The mutants of every shard: one table and one score. */
async function mergeMutate(shards: readonly ShardReport[], outputs: ReportOutputs, print: (line: string) => void): Promise<number> {
  const mutants = shards.flatMap((shard) => shard.mutants);
  for (const line of mutationTable(mutants)) print(line);
  const survived = mutants.some((mutant) => mutant.status === 'survived');
  const { seed, seeds, catalogue, inputs } = shards[0]!.stats;
  await new RunReport('merge', outputs, print).finish({
    ok: !survived,
    findings: [],
    knownFindings: [],
    score: mutationScore(mutants),
    mutants,
    stats: { merged: 'mutate', seed, seeds, catalogue, inputs, shards: shards.length },
  });
  return survived ? EXIT_FINDING : EXIT_CONFORMS;
}

/**
 * The check shards as one check run: the findings in part order (each shard's sequential finding,
 * then its races'), each known finding once, the work of the shards summed and every race once.
 */
async function mergeCheck(shards: readonly ShardReport[], outputs: ReportOutputs, print: (line: string) => void): Promise<number> {
  const findings = shards.flatMap((shard) => shard.findings);
  const knownFindings = [...new Map(shards.flatMap((shard) => shard.knownFindings).map((known) => [known.id, known])).values()];
  const sequential = mergedSequentialStats(shards.map(({ stats }) => sectionOf(stats, 'sequential')));
  const race = mergedRaceStats(shards.map(({ stats }) => sectionOf(stats, 'race')));
  print(`merge: ${shards.length} shard${shards.length === 1 ? '' : 's'} of one check run`);
  print(`sequential: ${String(sequential.runs)} runs, ${String(sequential.commands)} commands, seed ${String(sequential.seed)}`);
  print(`race: ${(race.races as unknown[]).length} races, ${String(race.schedules)} schedules, seed ${String(race.seed)}`);
  for (const finding of findings) print(`finding: ${String(finding.mode)} ${String(finding.kind)} (replay: ${String(finding.replay)})`);
  print(findings.length === 0 ? 'ok: no findings' : `${findings.length} finding${findings.length === 1 ? '' : 's'}`);
  await new RunReport('merge', outputs, print).finish({
    ok: findings.length === 0,
    findings,
    knownFindings,
    stats: { merged: 'check', shards: shards.length, queryCalls: shards[0]!.stats.queryCalls, sequential, race },
  });
  return findings.length === 0 ? EXIT_CONFORMS : EXIT_FINDING;
}

function sectionOf(stats: Readonly<Record<string, unknown>>, name: 'sequential' | 'race'): Readonly<Record<string, unknown>> {
  return (stats[name] as Record<string, unknown> | undefined) ?? {};
}

function total(sections: readonly Readonly<Record<string, unknown>>[], field: string): number {
  return sections.reduce((sum, section) => sum + Number(section[field] ?? 0), 0);
}

/** Runs, executions, commands and time summed; the coverage counts summed query by query. */
function mergedSequentialStats(sections: readonly Readonly<Record<string, unknown>>[]): Record<string, unknown> {
  const commands = total(sections, 'commands');
  const durationMs = total(sections, 'durationMs');
  const coverage = new Map<string, number>();
  for (const section of sections) {
    for (const [key, count] of Object.entries((section.coverage as Record<string, number> | undefined) ?? {})) coverage.set(key, (coverage.get(key) ?? 0) + count);
  }
  return {
    runs: total(sections, 'runs'),
    executions: total(sections, 'executions'),
    commands,
    commandsPerSecond: durationMs > 0 ? Math.round((commands / durationMs) * 1000) : null,
    durationMs,
    seed: sections[0]!.seed,
    coverage: Object.fromEntries([...coverage].sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** Schedules and time summed; every shard's races in the run's order. */
function mergedRaceStats(sections: readonly Readonly<Record<string, unknown>>[]): Record<string, unknown> {
  const schedules = total(sections, 'schedules');
  const durationMs = total(sections, 'durationMs');
  const races = sections.flatMap((section) => (section.races as { index: number }[] | undefined) ?? []).sort((a, b) => a.index - b.index);
  return {
    seed: sections[0]!.seed,
    schedules,
    schedulesPerSecond: durationMs > 0 ? Math.round((schedules / durationMs) * 1000) : null,
    durationMs,
    races,
  };
}
