import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { catalogue } from '../../model/catalogue.js';
import { schema, tableNames, type TableName } from '../../model/schema.js';
import type { Value } from '../../model/values.js';
import { variantNames, workflowNames } from '../../model/workflows/index.js';
import { SetupError } from '../errors.js';
import { knownFindings } from '../race/known-findings.js';
import { raceWorkflowNames } from '../race/race-workflows.js';
import { scheduleProblem } from '../race/schedule.js';
import type { Arg, Args } from '../sequential/arguments.js';
import type { CommandSpec } from '../sequential/generators.js';
import { CASE_VERSION, type CaseFile, type CaseExpectation, type CaseInputs } from './case-file.js';
import { decodeValue } from './case-values.js';

const SEQUENTIAL_KINDS = ['divergence', 'invariant', 'unexpected-error'];
const RACE_KINDS = ['divergence', 'invariant', 'deadlock', 'hang', 'waited', 'unexpected-error'];

/** Where in the file, and what is wrong there: `"commands"[3].name: unknown query "Foo"`. */
class CaseProblem extends Error {}

/**
 * Reads a case file. A file that cannot be read, is not JSON, is not a case, has a version this
 * chatcheck does not know, or holds a field it cannot replay is a SetupError naming the file, the
 * field and why (exit 2): a replay of half a case would say nothing.
 */
export async function readCase(file: string): Promise<CaseFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SetupError(`${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a case file' : `cannot be read (${(error as Error).message})`}`, 'give the path of a case file written by --save');
  }
  return parseCase(text, path.basename(file));
}

/** A case file's text as a case; `name` is how errors call the file. */
export function parseCase(text: string, name: string): CaseFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SetupError(`${name}: not JSON (${(error as Error).message})`, 'the file is damaged or truncated: write it again with --save');
  }
  try {
    return decodeCase(json);
  } catch (error) {
    if (!(error instanceof CaseProblem)) throw error;
    throw new SetupError(`${name}: ${error.message}`, 'the file is damaged or was edited by hand: write it again with --save (test/regressions/README.md describes the fields)');
  }
}

function decodeCase(json: unknown): CaseFile {
  const top = record(json, '');
  if (top['format'] !== 'chatcheck-case') throw new CaseProblem(`"format": ${describe(top['format'])}, not "chatcheck-case": this is not a chatcheck case file`);
  const version = top['version'];
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) throw new CaseProblem(`"version": ${describe(version)} is not a case file version (a whole number from 1)`);
  if (version > CASE_VERSION) throw new CaseProblem(`"version": ${version} is newer than this chatcheck reads (up to ${CASE_VERSION}): replay it with the chatcheck that recorded it (${describe(top['recordedBy'])}) or a later one`);
  const mode = top['mode'];
  if (mode !== 'sequential' && mode !== 'race') throw new CaseProblem(`"mode": ${describe(mode)}: unknown mode (sequential or race)`);
  const base = {
    format: 'chatcheck-case' as const,
    version: CASE_VERSION as typeof CASE_VERSION,
    recordedBy: string(top['recordedBy'], '"recordedBy"'),
    recordedAt: string(top['recordedAt'], '"recordedAt"'),
    inputs: inputs(top['inputs']),
    observed: top['observed'] ?? null,
  };
  if (mode === 'sequential') {
    const commands = array(top['commands'], '"commands"').map((command, i) => commandSpec(command, `"commands"[${i}]`));
    if (commands.length === 0) throw new CaseProblem('"commands": empty: a sequential case replays at least one command');
    const stateEvery = top['stateEvery'];
    if (typeof stateEvery !== 'number' || !Number.isSafeInteger(stateEvery) || stateEvery < 1) throw new CaseProblem(`"stateEvery": ${describe(stateEvery)} is not a whole number from 1`);
    const expected = expectation(top['expected'], SEQUENTIAL_KINDS);
    if (expected.command === undefined || expected.command >= commands.length) throw new CaseProblem(`"expected".command: ${describe(expected.command)} names no command of the ${commands.length} in "commands"`);
    return { ...base, mode, expected, commands, stateEvery };
  }
  const pair = array(top['pair'], '"pair"').map((name, i) => {
    if (typeof name !== 'string' || !raceWorkflowNames.includes(name)) throw new CaseProblem(`"pair"[${i}]: unknown race workflow ${describe(name)} (race workflows: ${raceWorkflowNames.join(', ')})`);
    return name;
  });
  if (pair.length < 2 || pair.length > 3) throw new CaseProblem(`"pair": ${pair.length} workflows: a race is two or three`);
  const variants = array(top['variants'], '"variants"').map((name, i) => {
    if (typeof name !== 'string' || !variantNames.includes(name)) throw new CaseProblem(`"variants"[${i}]: unknown variant ${describe(name)} (variants: ${variantNames.join(', ')})`);
    return name;
  });
  const schedule = string(top['schedule'], '"schedule"');
  const problem = /^[ABC]*$/.test(schedule) ? scheduleProblem(schedule, pair.length) : 'a schedule is the letters A, B, C';
  if (problem) throw new CaseProblem(`"schedule": ${describe(schedule)}: ${problem}`);
  const overlap = top['overlap'];
  if (typeof overlap !== 'boolean') throw new CaseProblem(`"overlap": ${describe(overlap)} is not true or false`);
  return { ...base, mode, expected: expectation(top['expected'], RACE_KINDS), pair, variants, schedule, overlap };
}

function inputs(json: unknown): CaseInputs {
  const fields = record(json, '"inputs"');
  const hex = (value: unknown, at: string) => {
    if (typeof value !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(value)) throw new CaseProblem(`${at}: ${describe(value)} is not a digest (sha256: and 64 hex digits)`);
    return value;
  };
  return {
    queryFiles: array(fields['queryFiles'], '"inputs".queryFiles').map((file, i) => string(file, `"inputs".queryFiles[${i}]`)),
    queries: hex(fields['queries'], '"inputs".queries'),
    migrations: hex(fields['migrations'], '"inputs".migrations'),
  };
}

function expectation(json: unknown, kinds: readonly string[]): CaseExpectation {
  const fields = record(json, '"expected"');
  const kind = fields['kind'];
  if (typeof kind !== 'string' || !kinds.includes(kind)) throw new CaseProblem(`"expected".kind: ${describe(kind)}: unknown kind of finding here (${kinds.join(', ')})`);
  const command = fields['command'];
  if (command !== undefined && (typeof command !== 'number' || !Number.isSafeInteger(command) || command < 0)) throw new CaseProblem(`"expected".command: ${describe(command)} is not a command's index (a whole number from 0)`);
  const invariant = fields['invariant'] === undefined ? undefined : string(fields['invariant'], '"expected".invariant');
  const known = fields['known'] === undefined ? undefined : string(fields['known'], '"expected".known');
  if (known !== undefined && !knownFindings.some((finding) => finding.id === known)) throw new CaseProblem(`"expected".known: ${describe(known)} is no known finding of this chatcheck (${knownFindings.map((finding) => finding.id).join(', ')})`);
  return {
    kind,
    ...(command === undefined ? {} : { command: command as number }),
    ...(invariant === undefined ? {} : { invariant }),
    ...(known === undefined ? {} : { known }),
    summary: string(fields['summary'] ?? '', '"expected".summary'),
  };
}

function commandSpec(json: unknown, at: string): CommandSpec {
  const fields = record(json, at);
  const kind = fields['kind'];
  if (kind !== 'query' && kind !== 'workflow') throw new CaseProblem(`${at}.kind: ${describe(kind)}: a command is a "query" or a "workflow"`);
  const name = string(fields['name'], `${at}.name`);
  if (kind === 'workflow' && !(workflowNames as readonly string[]).includes(name)) throw new CaseProblem(`${at}.name: unknown workflow ${describe(name)}`);
  const entry = kind === 'query' ? catalogue.get(name) : undefined;
  if (kind === 'query' && entry === undefined) throw new CaseProblem(`${at}.name: unknown query ${describe(name)}`);
  const args = record(fields['args'], `${at}.args`);
  if (entry !== undefined) {
    const missing = entry.params.find((param) => !(param in args));
    const extra = Object.keys(args).find((param) => !entry.params.includes(param));
    if (missing !== undefined) throw new CaseProblem(`${at}.args: no argument "${missing}" (${name} takes ${entry.params.join(', ') || 'none'})`);
    if (extra !== undefined) throw new CaseProblem(`${at}.args.${extra}: ${name} takes no such argument (it takes ${entry.params.join(', ') || 'none'})`);
  }
  const decoded: Record<string, Arg> = {};
  for (const [param, value] of Object.entries(args)) decoded[param] = arg(value, `${at}.args.${param}`);
  return { kind, name, args: decoded satisfies Args };
}

/** One argument (see Arg in src/sequential/arguments.ts), every shape checked. */
function arg(json: unknown, at: string): Arg {
  const fields = record(json, at);
  const table = (value: unknown, where: string): TableName => {
    if (typeof value !== 'string' || !(tableNames as readonly string[]).includes(value)) throw new CaseProblem(`${where}: unknown table ${describe(value)}`);
    return value as TableName;
  };
  const integer = (value: unknown, where: string): number => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new CaseProblem(`${where}: ${describe(value)} is not a whole number`);
    return value;
  };
  if ('literal' in fields) {
    const value = decodeValue(fields['literal']);
    if (value !== null && typeof value === 'object' && 'problem' in value && Object.keys(value).length === 1) throw new CaseProblem(`${at}.literal: ${(value as { problem: string }).problem}`);
    return { literal: value as Value };
  }
  if ('ref' in fields) {
    const ref = table(fields['ref'], `${at}.ref`);
    const pick = integer(fields['pick'], `${at}.pick`);
    if (fields['live'] !== undefined && fields['live'] !== true) throw new CaseProblem(`${at}.live: ${describe(fields['live'])}: only true, or left out`);
    const by = fields['by'] === undefined ? undefined : string(fields['by'], `${at}.by`);
    if (by !== undefined && !schema[ref].columnIndex.has(by)) throw new CaseProblem(`${at}.by: ${ref} has no column ${describe(by)}`);
    return { ref, pick, ...(fields['live'] === true ? { live: true as const } : {}), ...(by === undefined ? {} : { by }) };
  }
  if ('unknown' in fields) return { unknown: integer(fields['unknown'], `${at}.unknown`) };
  if ('notAUuid' in fields) {
    if (fields['notAUuid'] !== true) throw new CaseProblem(`${at}.notAUuid: ${describe(fields['notAUuid'])}: only true`);
    return { notAUuid: true };
  }
  if ('fresh' in fields) return { fresh: string(fields['fresh'], `${at}.fresh`), table: table(fields['table'], `${at}.table`) };
  if ('columnOf' in fields) {
    const of = table(fields['table'], `${at}.table`);
    const column = string(fields['column'], `${at}.column`);
    if (!schema[of].columnIndex.has(column)) throw new CaseProblem(`${at}.column: ${of} has no column ${describe(column)}`);
    return { columnOf: arg(fields['columnOf'], `${at}.columnOf`), table: of, column, otherwise: arg(fields['otherwise'], `${at}.otherwise`) };
  }
  throw new CaseProblem(`${at}: not an argument (literal, ref, unknown, notAUuid, fresh or columnOf)`);
}

function record(json: unknown, at: string): Record<string, unknown> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new CaseProblem(`${at || 'the file'}: ${json === undefined ? 'missing' : `${describe(json)} is not an object`}`);
  return json as Record<string, unknown>;
}

function array(json: unknown, at: string): unknown[] {
  if (!Array.isArray(json)) throw new CaseProblem(`${at}: ${json === undefined ? 'missing' : `${describe(json)} is not a list`}`);
  return json;
}

function string(json: unknown, at: string): string {
  if (typeof json !== 'string') throw new CaseProblem(`${at}: ${json === undefined ? 'missing' : `${describe(json)} is not a string`}`);
  return json;
}

/** A value as an error shows it: short JSON. */
function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
