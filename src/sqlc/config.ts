import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { SetupError } from '../errors.js';

/** The SQL under test and its schema, as a sqlc config names them. */
export interface SqlcProject {
  /** The config file, absolute. */
  readonly configFile: string;
  /** `queries` of every postgresql entry, in order, each path once (absolute; files or directories). */
  readonly queries: readonly string[];
  /** `schema` of every postgresql entry, in order, each path once (absolute; files or directories). */
  readonly schema: readonly string[];
}

/** The names sqlc looks for in a directory, in its own order. */
const CONFIG_NAMES = ['sqlc.yaml', 'sqlc.yml', 'sqlc.json'];

const FIX_PATH = 'fix the path in the config: sqlc resolves it relative to the config file\'s directory';

/**
 * Reads a sqlc config (version "1" or "2", YAML or JSON) and returns the `queries` and `schema`
 * paths of its postgresql entries — v2 `sql:` entries with `engine: postgresql`, v1 `packages:`
 * entries (whose engine defaults to postgresql) — each a path or a list of paths, relative to the
 * config file. Several postgresql entries are all used: sqlc splits one database's queries into
 * several packages this way, and chatcheck finds queries by name across files anyway; a query name
 * defined in two entries, or two schemas that clash, is refused later with file and line.
 * A directory is accepted as its sqlc.yaml, sqlc.yml or sqlc.json.
 */
export function readSqlcConfig(given: string): SqlcProject {
  const file = configFileOf(given);
  const text = readText(file);
  const config = parseConfig(file, text);
  const fail = (what: string, fix: string) => new SetupError(`${file}: ${what}`, fix);
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw fail('not a sqlc config (expected a mapping with version and sql)', 'give --sqlc your project\'s sqlc.yaml, sqlc.yml or sqlc.json');
  }
  const fields = config as Record<string, unknown>;
  const version = typeof fields.version === 'number' || typeof fields.version === 'string' ? String(fields.version) : undefined;
  if (version === undefined) throw fail('no "version"', 'a sqlc config starts with version: "2" (or "1")');
  if (version !== '1' && version !== '2') throw fail(`version "${version}" is not one sqlc knows`, 'use version "2" (or "1")');
  const listKey = version === '2' ? 'sql' : 'packages';
  const list = fields[listKey];
  if (list !== undefined && !Array.isArray(list)) throw fail(`"${listKey}" is not a list`, `write ${listKey}: as a list of entries, each with engine, queries and schema`);
  const entries = (list ?? []) as unknown[];
  const engines: string[] = [];
  const queries: string[] = [];
  const schema: string[] = [];
  const base = path.dirname(file);
  entries.forEach((entry, index) => {
    const where = `${listKey}[${index}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw fail(`${where} is not a mapping`, 'each entry holds engine, queries and schema');
    const settings = entry as Record<string, unknown>;
    // sqlc v1 defaults the engine to postgresql; v2 requires it.
    const engine = settings.engine ?? (version === '1' ? 'postgresql' : undefined);
    if (engine !== 'postgresql') {
      engines.push(String(engine));
      return;
    }
    for (const [key, into] of [['queries', queries], ['schema', schema]] as const) {
      for (const written of pathsOf(settings[key], `${where}.${key}`, fail)) {
        const resolved = path.resolve(base, written);
        checkPath(resolved, key, `${where}.${key}`, written, fail);
        if (!into.includes(resolved)) into.push(resolved);
      }
    }
  });
  if (queries.length === 0) {
    const others = engines.length > 0 ? ` (${listKey} has only: ${[...new Set(engines)].map((engine) => (engine === 'undefined' ? 'an entry without engine' : engine)).join(', ')})` : '';
    throw fail(`no postgresql entry${others}`, `chatcheck tests PostgreSQL queries: add a ${listKey}: entry with engine: postgresql, queries and schema, or pass --queries and --migrations`);
  }
  return { configFile: file, queries, schema };
}

function configFileOf(given: string): string {
  const resolved = path.resolve(given);
  const stats = statOrUndefined(resolved);
  if (stats === undefined) throw new SetupError(`sqlc config ${given} does not exist`, 'give --sqlc the path of your project\'s sqlc.yaml, sqlc.yml or sqlc.json');
  if (!stats.isDirectory()) return resolved;
  const found = CONFIG_NAMES.filter((name) => statOrUndefined(path.join(resolved, name))?.isFile() === true);
  if (found.length === 1) return path.join(resolved, found[0]!);
  throw new SetupError(
    found.length === 0 ? `${given} holds no sqlc.yaml, sqlc.yml or sqlc.json` : `${given} holds ${found.join(' and ')}: which one is the config is ambiguous`,
    'give --sqlc the config file itself',
  );
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    throw new SetupError(`sqlc config ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, 'check the path and its permissions');
  }
}

/** JSON for *.json (as sqlc reads it), YAML otherwise; a syntax error as one line with its line number. */
function parseConfig(file: string, text: string): unknown {
  const fix = 'fix the syntax of the config (sqlc could not read it either)';
  if (file.endsWith('.json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      const message = (error as Error).message;
      const position = /at position (\d+)/.exec(message);
      const line = position ? `:${text.slice(0, Number(position[1])).split('\n').length}` : '';
      throw new SetupError(`${file}${line}: not valid JSON: ${message}`, fix);
    }
  }
  const document = parseDocument(text, { logLevel: 'error' });
  const problem = document.errors[0];
  if (problem !== undefined) {
    const line = problem.linePos ? `:${problem.linePos[0].line}` : '';
    const message = problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new SetupError(`${file}${line}: not valid YAML: ${message}`, fix);
  }
  try {
    return document.toJS() as unknown;
  } catch (error) {
    throw new SetupError(`${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`, fix);
  }
}

/** A path or a non-empty list of paths, as sqlc's `queries` and `schema` take them. */
function pathsOf(value: unknown, where: string, fail: (what: string, fix: string) => SetupError): string[] {
  if (value === undefined || value === null) throw fail(`${where} is missing`, 'give the entry its queries and schema: a file, a directory or a list of them');
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || list.some((item) => typeof item !== 'string' || item === '')) {
    throw fail(`${where} is not a path or a list of paths`, 'write a file, a directory or a list of them');
  }
  return list as string[];
}

/** The path exists and, if a directory, holds what chatcheck reads from it. */
function checkPath(resolved: string, key: 'queries' | 'schema', where: string, written: string, fail: (what: string, fix: string) => SetupError): void {
  const stats = statOrUndefined(resolved);
  if (stats === undefined) throw fail(`${where}: "${written}" does not exist (${resolved})`, FIX_PATH);
  if (!stats.isDirectory()) return;
  let names: string[];
  try {
    names = readdirSync(resolved);
  } catch (error) {
    throw fail(`${where}: "${written}" cannot be listed (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, 'check its permissions');
  }
  if (key === 'queries' && !names.some((name) => name.endsWith('.sql') && !name.startsWith('.') && !name.endsWith('.down.sql'))) {
    throw fail(`${where}: the directory "${written}" holds no *.sql file`, 'name the directory that holds the query files');
  }
  if (key === 'schema' && !names.some((name) => name.endsWith('.up.sql'))) {
    throw fail(
      `${where}: the directory "${written}" holds no *.up.sql file`,
      'chatcheck applies a directory\'s NNN_name.up.sql migrations (golang-migrate style); list other schema files one by one under schema, in the order they apply',
    );
  }
}

function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}
