import { InvalidArgumentError } from 'commander';
import path from 'node:path';
import { bundledMigrationsDir, bundledQueryFiles } from './paths.js';

/** What every command accepts; later commands read the fields they need. */
export interface RawOptions {
  databaseUrl?: string;
  queries?: string[];
  migrations?: string;
  runs?: number;
  seed?: number;
  path?: string;
  maxCommands?: number;
  stateEvery?: number;
  turns?: boolean;
  json?: string;
}

export interface RunOptions {
  readonly databaseUrl: string | undefined;
  /** The SQL under test: the bundled files unless --queries replaced them. */
  readonly queryFiles: readonly string[];
  readonly migrationsDir: string;
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
}

export function resolveOptions(raw: RawOptions): RunOptions {
  return {
    databaseUrl: raw.databaseUrl,
    queryFiles: raw.queries?.map((file) => path.resolve(file)) ?? bundledQueryFiles,
    migrationsDir: raw.migrations === undefined ? bundledMigrationsDir : path.resolve(raw.migrations),
    runs: raw.runs,
    seed: raw.seed,
    path: raw.path,
    maxCommands: raw.maxCommands,
    stateEvery: raw.stateEvery,
    turns: raw.turns,
    jsonFile: raw.json === undefined ? undefined : path.resolve(raw.json),
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
 * a command sequence exactly.
 */
export function replayPathOption(text: string): string {
  if (!/^\d+(:\d+)*(@[A-Za-z0-9+/=:]+)?$/.test(text)) {
    throw new InvalidArgumentError(`expected the path chatcheck printed, like 28:4:7@iK+:9, got "${text}"`);
  }
  return text;
}

export function splitReplayPath(text: string | undefined): { path?: string; replayPath?: string } {
  if (text === undefined) return {};
  const at = text.indexOf('@');
  return at < 0 ? { path: text } : { path: text.slice(0, at), replayPath: text.slice(at + 1) };
}
