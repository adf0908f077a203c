import { InvalidArgumentError } from 'commander';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { SetupError } from './errors.js';
import { bundledMigrationsDir, bundledQueryFiles } from './paths.js';
import { raceWorkflowNames } from './race/race-workflows.js';
import { readSqlcConfig } from './sqlc/config.js';
import { expandQueryPaths } from './sqlc/query-paths.js';
import { variantNames } from '../model/workflows/index.js';

/** What every command accepts; later commands read the fields they need. */
export interface RawOptions {
  databaseUrl?: string;
  queries?: string[];
  migrations?: string;
  sqlc?: string;
  runs?: number;
  seed?: number;
  path?: string;
  maxCommands?: number;
  stateEvery?: number;
  turns?: boolean;
  json?: string;
  junit?: string;
  save?: string;
  report?: string;
  quiet?: boolean;
  pair?: string[][];
  variant?: string[];
  exhaustive?: boolean;
  budget?: number;
  schedule?: string;
  overlap?: boolean;
  seeds?: number;
  workers?: number;
  shard?: Shard;
  mutant?: string[];
  list?: boolean;
}

/** `--shard 2/4`: this machine takes the second of four fixed parts of the work (1-based). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

export interface RunOptions {
  readonly databaseUrl: string | undefined;
  /** The SQL under test: the bundled files unless --queries replaced them (directories expanded to their *.sql files). */
  readonly queryFiles: readonly string[];
  /** The schema: directories (their *.up.sql) and files, in order; the bundled migrations/ unless --migrations or --sqlc. */
  readonly schemaPaths: readonly string[];
  /** The sqlc config the queries and the schema came from (--sqlc), absolute. */
  readonly sqlcConfig: string | undefined;
  readonly runs: number | undefined;
  readonly seed: number | undefined;
  /** fast-check's path to a counterexample: with the same seed, replays exactly that case. */
  readonly path: string | undefined;
  readonly maxCommands: number | undefined;
  /** Compare whole tables after every n-th command of a sequential run (and at its end). */
  readonly stateEvery: number | undefined;
  /** false: generate single commands only, no chat turns (how a shorter counterexample was found). */
  readonly turns: boolean | undefined;
  readonly jsonFile: string | undefined;
  /** --junit: the report as JUnit XML, absolute. */
  readonly junitFile: string | undefined;
  /** --save: the directory each finding's case file is written to, absolute. */
  readonly saveDir: string | undefined;
  /** --report: the directory the race findings' HTML pages are written to, absolute. */
  readonly reportDir: string | undefined;
  /** --quiet: print only the summary lines and the findings (no setup lines, no per-race lines, no progress line). */
  readonly quiet: boolean;
  /** The races to explore, each 2 or 3 workflow names (undefined: every pair, and the default triple). */
  readonly races: readonly (readonly string[])[] | undefined;
  readonly variants: readonly string[];
  /** Every interleaving of every race, with no budget. */
  readonly exhaustive: boolean;
  /** Schedules per race in a default run (an exhaustive walk up to half of it, then sampling). */
  readonly budget: number | undefined;
  /** One schedule to replay, as a finding printed it. */
  readonly schedule: string | undefined;
  /** Autocommit writes may overlap (run in a BEGIN of the explorer's own, committed at a later step). */
  readonly overlap: boolean;
  /** mutate: seeds per mutant. */
  readonly seeds: number;
  /** Workers (this thread and threads), each with its own databases (default: the cores). */
  readonly workers: number;
  /** mutate, check: this machine's part of the work. */
  readonly shard: Shard | undefined;
  /** mutate: only these mutant ids (default: the whole catalogue). */
  readonly mutants: readonly string[];
  /** mutate: print the catalogue and exit. */
  readonly list: boolean;
}

export function resolveOptions(raw: RawOptions): RunOptions {
  const clash = raw.sqlc === undefined ? undefined : raw.queries !== undefined ? '--queries' : raw.migrations !== undefined ? '--migrations' : undefined;
  if (clash !== undefined) throw new SetupError(`--sqlc and ${clash} both name what is under test: which one wins is ambiguous`, `give --sqlc alone, or --queries and --migrations without it`);
  const sqlc = raw.sqlc === undefined ? undefined : readSqlcConfig(raw.sqlc);
  return {
    databaseUrl: raw.databaseUrl,
    queryFiles: sqlc !== undefined ? expandQueryPaths(sqlc.queries) : raw.queries === undefined ? bundledQueryFiles : expandQueryPaths(raw.queries),
    schemaPaths: sqlc !== undefined ? sqlc.schema : [raw.migrations === undefined ? bundledMigrationsDir : path.resolve(raw.migrations)],
    sqlcConfig: sqlc?.configFile,
    runs: raw.runs,
    seed: raw.seed,
    path: raw.path,
    maxCommands: raw.maxCommands,
    stateEvery: raw.stateEvery,
    turns: raw.turns,
    jsonFile: raw.json === undefined ? undefined : path.resolve(raw.json),
    junitFile: raw.junit === undefined ? undefined : path.resolve(raw.junit),
    saveDir: raw.save === undefined ? undefined : path.resolve(raw.save),
    reportDir: raw.report === undefined ? undefined : path.resolve(raw.report),
    quiet: raw.quiet ?? false,
    races: raw.pair,
    variants: raw.variant ?? [],
    exhaustive: raw.exhaustive ?? false,
    budget: raw.budget,
    schedule: raw.schedule,
    overlap: raw.overlap ?? true,
    seeds: raw.seeds ?? 1,
    workers: raw.workers ?? availableParallelism(),
    shard: raw.shard,
    mutants: raw.mutant ?? [],
    list: raw.list ?? false,
  };
}

export function positiveInteger(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`expected a positive integer, got "${text}"`);
  }
  return value;
}

/** fast-check seeds are 32-bit signed integers; accept exactly those, so a seed replays as given. */
export function seedInteger(text: string): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || value < -(2 ** 31) || value > 2 ** 31 - 1) {
    throw new InvalidArgumentError(`expected an integer between -2147483648 and 2147483647, got "${text}"`);
  }
  return value;
}

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * A counterexample's path as chatcheck prints it: fast-check's path (colon-separated numbers), then,
 * after '@', the replayPath of its command list — fast-check needs both to replay the shrinking of
 * a command sequence exactly — then, after '.', the case's hash (8 hex digits), which tells whether
 * the case replayed is the one that was printed (see runSequential).
 */
export function replayPathOption(text: string): string {
  if (!/^\d+(:\d+)*(@[A-Za-z0-9+/=:]+)?(\.[0-9a-f]{8})?$/.test(text)) {
    throw new InvalidArgumentError(`expected the path chatcheck printed, like 28:4:7@iK+:9.0f3a9c21, got "${text}"`);
  }
  return text;
}

export function splitReplayPath(text: string | undefined): { path?: string; replayPath?: string; caseHash?: string } {
  if (text === undefined) return {};
  const dot = text.lastIndexOf('.');
  const caseHash = dot < 0 ? undefined : text.slice(dot + 1);
  const paths = dot < 0 ? text : text.slice(0, dot);
  const at = paths.indexOf('@');
  return {
    path: at < 0 ? paths : paths.slice(0, at),
    ...(at < 0 ? {} : { replayPath: paths.slice(at + 1) }),
    ...(caseHash === undefined ? {} : { caseHash }),
  };
}

/** `--pair send,delete` (or a triple): names from the race catalogue, repeatable. */
export function raceOption(text: string, previous: string[][] | undefined): string[][] {
  const names = text.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !raceWorkflowNames.includes(name));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown workflow "${unknown[0]}" in "${text}" (race workflows: ${raceWorkflowNames.join(', ')})`);
  if (names.length < 2 || names.length > 3) throw new InvalidArgumentError(`a race is two or three workflows separated by commas, like send,delete; got "${text}"`);
  return [...(previous ?? []), names];
}

/** `--variant delete:v1`: a known variant of a workflow, repeatable. */
export function variantOption(text: string, previous: string[] | undefined): string[] {
  if (!variantNames.includes(text)) throw new InvalidArgumentError(`unknown variant "${text}" (variants: ${variantNames.join(', ')})`);
  return [...(previous ?? []), text];
}

/** `--schedule AABBA`: the letters of the sessions picked at each choice point, as a finding printed them. */
export function scheduleOption(text: string): string {
  if (!/^[ABC]*$/.test(text)) throw new InvalidArgumentError(`a schedule is the letters A, B, C as a finding printed them, like AABAB; got "${text}"`);
  return text;
}

/** The items of a shard: every N-th of them from the I-th (all of them without a shard) — a fixed split, so N machines cover them exactly once. */
export function inShard<T>(items: readonly T[], shard: Shard | undefined): T[] {
  return shard === undefined ? [...items] : items.filter((_, i) => i % shard.count === shard.index - 1);
}

/** `--shard I/N`: part I (1-based) of N. */
export function shardOption(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || index < 1 || index > count) throw new InvalidArgumentError(`expected I/N with 1 <= I <= N, like 2/4; got "${text}"`);
  return { index, count };
}
