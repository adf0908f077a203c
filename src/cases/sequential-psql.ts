import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { invariants } from '../../model/invariants.js';
import { tableNames } from '../../model/schema.js';
import { plain } from '../report/plain.js';
import type { RealConnection } from '../sequential/connection.js';
import { StartingWorld } from '../sequential/start.js';
import { STATE_QUERIES, type World, type WorldSetting } from '../sequential/world.js';
import { RealId, RealInstant } from '../sql/real-values.js';
import { fillParameters } from '../sql/sql-tokens.js';
import type { NamedQuery, QuerySet } from '../sqlc/loader.js';
import type { SequentialCase } from './case-file.js';
import { replayFrom, type SequentialReplay } from './replay-case.js';

export { fillParameters } from '../sql/sql-tokens.js';

/** One thing PostgreSQL ran for the commands: a statement of the SQL under test with its values, or a transaction boundary. */
type Ran =
  | { readonly kind: 'statement'; readonly query: NamedQuery; readonly statement: string; readonly values: readonly unknown[]; readonly command: number; result?: { readonly rows: readonly Record<string, unknown>[] } | { readonly sqlstate: string } }
  | { readonly kind: 'boundary'; readonly sql: string; readonly command: number };

/**
 * Writes a sequential case as a plain SQL script for psql, for someone without Node: it empties the
 * chat tables and inserts the starting world's rows (as chatcheck's start restore does), runs the
 * statements PostgreSQL ran for the case's commands, in order, with their values filled in as SQL
 * literals cast to the parameters' types, and ends with a query whose output shows the bad state,
 * `\echo` lines saying what the model expected.
 *
 * The statements are recorded, not rebuilt: the case is replayed here (so the script is what this
 * chatcheck runs, on these queries) and every statement the connection sent for the commands is
 * kept — the same work statement-recording.ts records for the bench, at the wire. What a script
 * cannot repeat verbatim are the ids and times PostgreSQL makes while it runs (gen_random_uuid(),
 * now()): as the correspondence learns them from the rows a statement returns, the script learns
 * them into psql variables — `\gset` on a `:one … RETURNING *` row, named after the row's model id
 * (`:'chat_session_2_id'`), or a lookup by id right after a statement that returned several rows —
 * and later statements use the variables. Elapsed milliseconds the handler computes from two times
 * stay as recorded. Returns the replay and the path written.
 */
export async function exportSequentialPsql(connection: RealConnection, internal: QuerySet, sequentialCase: SequentialCase, file: string): Promise<SequentialReplay & { written: string[] }> {
  const setting: WorldSetting = { connection, stateQueries: internal, stateEvery: sequentialCase.stateEvery };
  const { start } = await StartingWorld.build(setting);
  const ran: Ran[] = [];
  const startValues = new Set<string>();
  let world: World | undefined;
  const client = connection.client as unknown as { query: (...args: unknown[]) => unknown };
  const own = Object.getOwnPropertyDescriptor(client, 'query');
  const query = client.query;
  const byText = new Map<string, NamedQuery>();
  const stateNames = new Set(['StateFingerprints', 'StateAsJson', 'ResetState', 'ResetScans', ...STATE_QUERIES.map(([, name]) => name)]);
  for (const named of internal.all) if (!stateNames.has(named.name) && !byText.has(named.sql)) byText.set(named.sql, named);
  let replay: SequentialReplay;
  try {
    replay = await replayFrom(start, setting, sequentialCase, async (entered) => {
      world = entered;
      // The start's ids and times: restored as they were, so the script writes them as they are.
      for (const rows of await entered.readState(STATE_QUERIES.map(([, name]) => name))) for (const row of rows) for (const value of Object.values(row)) collectTexts(value, startValues);
      client.query = function (this: unknown, ...args: unknown[]): unknown {
        const [first] = args;
        const command = Math.max(0, (world?.log.length ?? 1) - 1);
        const text = typeof first === 'string' ? first : typeof first === 'object' && first !== null ? (first as { text?: unknown }).text : undefined;
        const named = typeof text === 'string' ? byText.get(text) : undefined;
        const pending = query.apply(connection.client, args) as Promise<{ rows: Record<string, unknown>[] }>;
        if (named !== undefined) {
          const entry: Ran = { kind: 'statement', query: named, statement: (first as { name: string }).name, values: (first as { values?: unknown[] }).values ?? [], command };
          ran.push(entry);
          pending.then(
            (result) => (entry.result = { rows: result.rows }),
            (error: unknown) => (entry.result = { sqlstate: String((error as { code?: unknown }).code ?? 'unknown') }),
          );
        } else if (typeof text === 'string' && /^(BEGIN|COMMIT|ROLLBACK)$/.test(text)) ran.push({ kind: 'boundary', sql: text, command });
        return pending;
      };
    });
  } finally {
    if (own === undefined) delete (client as { query?: unknown }).query;
    else Object.defineProperty(client, 'query', own);
  }
  const { rows: prepared } = await connection.client.query<{ name: string; types: string[] }>('SELECT name, parameter_types::text[] AS types FROM pg_prepared_statements');
  const types = new Map(prepared.map((row) => [row.name, row.types]));
  // The restore without the table reads start.ts appends to it for the comparison (as statement-recording.ts cuts them).
  const reads = `;\n${['StateFingerprints', ...STATE_QUERIES.map(([, name]) => name)].map((name) => internal.get(name).sql).join(';\n')}`;
  if (!start.restoreSql.endsWith(reads)) throw new Error('psql export: the start restore no longer ends with the table reads it expects (see start.ts)');
  const restore = start.restoreSql.slice(0, -reads.length);
  const script = psqlScript({ sequentialCase, replay, world: replay.world, ran, restore, startValues, types, name: path.basename(file) });
  await writeFile(file, script);
  return { ...replay, written: [file] };
}

interface ScriptInput {
  readonly sequentialCase: SequentialCase;
  readonly replay: SequentialReplay;
  readonly world: World;
  readonly ran: readonly Ran[];
  readonly restore: string;
  readonly startValues: ReadonlySet<string>;
  readonly types: ReadonlyMap<string, readonly string[]>;
  readonly name: string;
}

function psqlScript({ sequentialCase, replay, world, ran, restore, startValues, types, name }: ScriptInput): string {
  const finding = replay.finding;
  const lines: string[] = [
    `-- ${name}: a chatcheck case as a psql script (written by chatcheck replay --psql).`,
    `-- It expects: ${sequentialCase.expected.summary}`,
    `-- The replay that wrote it: ${finding === undefined ? 'the case no longer reproduces on these queries' : `${replay.outcome}, ${finding.summary.split('\n')[0]}`}.`,
    '--',
    '-- Run it with psql against a database with the migrations applied; it deletes every row of the',
    '-- chat tables (workspace, "user" and what hangs off them) first:',
    `--   psql -v ON_ERROR_STOP=0 -f ${name} "$DATABASE_URL"`,
    '-- Statements PostgreSQL answered with an error in the recorded run are marked; they fail here too.',
    '--',
    '-- The commands (model ids: chat_session:2 is the second session the run created):',
    ...world.log.map((line, i) => `--   ${String(i + 1).padStart(2)}. ${line}`),
    '',
    "\\pset null '(null)'",
    "SET TimeZone = 'UTC';",
    "SET DateStyle = 'ISO, YMD';",
    '',
    '-- The starting world: every chat table emptied, then the rows every run of the property starts from.',
    `${restore};`,
  ];
  // Which value texts later statements use: only those need a variable.
  const used = new Set<string>();
  for (const entry of ran) if (entry.kind === 'statement') for (const value of entry.values) if (typeof value === 'string') used.add(value);
  const variables = new Map<string, string>();
  const finalIds = finalRowIds(replay, world);
  for (const id of finalIds) used.add(id);
  let command = -1;
  const lastStatement = ran.findLastIndex((entry) => entry.kind === 'statement');
  ran.forEach((entry, index) => {
    if (entry.command !== command) {
      command = entry.command;
      lines.push('', `-- ${command + 1}. ${world.log[command] ?? ''}`);
    }
    if (entry.kind === 'boundary') {
      lines.push(`${entry.sql};`);
      return;
    }
    const paramTypes = types.get(entry.statement) ?? [];
    const sql = fillParameters(entry.query.sql, (n) => literal(entry.values[n - 1], paramTypes[n - 1], variables));
    if (entry.result !== undefined && 'sqlstate' in entry.result) lines.push(`-- ${entry.query.name}: PostgreSQL answered SQLSTATE ${entry.result.sqlstate} here in the recorded run.`);
    else lines.push(`-- ${entry.query.name}`);
    const rows = entry.result !== undefined && 'rows' in entry.result ? entry.result.rows : [];
    const learned = rows.map((row) => newTexts(row, startValues, variables, used));
    if (index !== lastStatement && entry.query.kind === 'one' && rows.length === 1 && learned[0]!.length > 0) {
      // One row: \gset names its columns prefix + column, and later statements use the variables.
      const prefix = rowPrefix(rows[0]!, world, variables.size);
      lines.push(sql, `\\gset ${prefix}`);
      for (const [text, column] of learned[0]!) variables.set(text, `${prefix}${column}`);
      return;
    }
    lines.push(`${sql};`);
    // Several rows: each new value read back from its row, by the row's id.
    rows.forEach((row, r) => {
      const id = row['id'];
      const table = id instanceof RealId ? world.correspondence.modelId(id)?.split(':')[0] : undefined;
      if (table === undefined || !(tableNames as readonly string[]).includes(table)) return;
      const prefix = rowPrefix(row, world, variables.size);
      const columns = learned[r]!.filter(([, column]) => column !== 'id');
      if (columns.length === 0) return;
      lines.push(`SELECT ${columns.map(([, column]) => `${pg.escapeIdentifier(column)}::text AS ${prefix}${column}`).join(', ')} FROM ${pg.escapeIdentifier(table)} WHERE id = ${literal((id as RealId).uuid, 'uuid', variables)} \\gset`);
      for (const [text, column] of columns) variables.set(text, `${prefix}${column}`);
    });
  });
  lines.push('', ...badState(replay, world, ran, types, variables), '');
  return lines.join('\n');
}

/** The uuid and timestamptz texts of a row (or value) in `into`. */
function collectTexts(value: unknown, into: Set<string>): void {
  if (value instanceof RealId) into.add(value.uuid);
  else if (value instanceof RealInstant) into.add(value.text);
}

/** The row's ids and times that are neither the start's nor learned yet, and that something later uses: [text, column]. */
function newTexts(row: Readonly<Record<string, unknown>>, start: ReadonlySet<string>, learned: ReadonlyMap<string, string>, used: ReadonlySet<string>): [string, string][] {
  const found: [string, string][] = [];
  for (const [column, value] of Object.entries(row)) {
    const text = value instanceof RealId ? value.uuid : value instanceof RealInstant ? value.text : undefined;
    if (text === undefined || start.has(text) || learned.has(text) || !used.has(text) || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(column)) continue;
    if (!found.some(([seen]) => seen === text)) found.push([text, column]);
  }
  return found;
}

/** A \gset prefix named after the row's model id (`chat_session_2_`), else a counter. */
function rowPrefix(row: Readonly<Record<string, unknown>>, world: World, counter: number): string {
  const id = row['id'];
  const model = id instanceof RealId ? world.correspondence.modelId(id) : undefined;
  return model === undefined ? `row${counter}_` : `${model.replace(/[^A-Za-z0-9]+/g, '_')}_`;
}

/** A value as a SQL literal cast to its parameter's type; a learned id or time as its psql variable. */
function literal(value: unknown, type: string | undefined, variables: ReadonlyMap<string, string>): string {
  const cast = type === undefined || type === 'unknown' ? '' : `::${type}`;
  if (value === null || value === undefined) return `NULL${cast}`;
  if (typeof value === 'string' && variables.has(value)) return `:'${variables.get(value)!}'${cast}`;
  const text = typeof value === 'string' ? value : Array.isArray(value) ? arrayText(value) : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return `${pg.escapeLiteral(text)}${cast}`;
}

/** A list as PostgreSQL's array text: `{"a","b",NULL}`. */
function arrayText(values: readonly unknown[]): string {
  return `{${values.map((value) => (value === null ? 'NULL' : `"${String(typeof value === 'object' ? JSON.stringify(value) : value).replace(/(["\\])/g, '\\$1')}"`)).join(',')}}`;
}

/** The real ids of the rows the final query names (a state difference's row): they need variables. */
function finalRowIds(replay: SequentialReplay, world: World): string[] {
  const at = stateRow(replay);
  const id = at?.model === undefined ? undefined : world.correspondence.realId(at.model);
  return id instanceof RealId ? [id.uuid] : [];
}

/** `chat_session[chat_session:2].session_id` → the table, the row's model id and the column. */
function stateRow(replay: SequentialReplay): { table: string; model?: string; column?: string } | undefined {
  const divergence = replay.finding?.divergence;
  if (divergence?.where !== 'state') return undefined;
  const match = /^(\w+)(?:\[([^\]]+)\])?(?:\.(\w+))?/.exec(divergence.path);
  if (match === null || !(tableNames as readonly string[]).includes(match[1]!)) return undefined;
  return { table: match[1]!, ...(match[2] === undefined ? {} : { model: match[2] }), ...(match[3] === undefined ? {} : { column: match[3] }) };
}

/** The final query, with \echo lines saying what the model expected: the rows or the answer that show the bad state. */
function badState(replay: SequentialReplay, world: World, ran: readonly Ran[], types: ReadonlyMap<string, readonly string[]>, variables: ReadonlyMap<string, string>): string[] {
  const finding = replay.finding;
  const echo = (text: string) => `\\echo ${psqlQuoted(text)}`;
  if (finding === undefined) return ['-- The case no longer reproduces on these queries: there is no bad state to show.'];
  const lines = ['-- The bad state.'];
  if (finding.invariant) {
    const { name, rule, rows } = finding.invariant;
    const table = invariants.find((invariant) => invariant.name === name)?.table;
    lines.push(echo(`chatcheck: PostgreSQL broke "${name}": ${rule}`), echo(`chatcheck: the rows that break it (model ids): ${rows.map((group) => group.join(', ')).join('; ')}`));
    if (table !== undefined) lines.push(`SELECT * FROM ${pg.escapeIdentifier(table)} ORDER BY created_at;`);
    return lines;
  }
  const divergence = finding.divergence;
  if (divergence === undefined) return [...lines, echo(`chatcheck: ${finding.summary.split('\n')[0]}`)];
  const expected = `chatcheck: the model expected ${divergence.path} = ${JSON.stringify(plain(divergence.model))}; PostgreSQL had ${JSON.stringify(plain(divergence.real))} in the recorded run (${divergence.why})`;
  const at = stateRow({ ...replay });
  if (at !== undefined) {
    const id = at.model === undefined ? undefined : world.correspondence.realId(at.model);
    const where = id instanceof RealId ? ` WHERE id = ${literal(id.uuid, 'uuid', variables)}` : ' ORDER BY created_at';
    const columns = at.column === undefined || id === undefined ? '*' : `id, ${pg.escapeIdentifier(at.column)}`;
    lines.push(echo(expected), `SELECT ${columns} FROM ${pg.escapeIdentifier(at.table)}${where};`);
    return lines;
  }
  // An answer: the last statement's, again when it only reads; a write's own output above shows it.
  const last = [...ran].reverse().find((entry) => entry.kind === 'statement');
  lines.push(echo(expected));
  if (last?.kind === 'statement' && last.query.readOnly) {
    const paramTypes = types.get(last.statement) ?? [];
    lines.push(echo(`chatcheck: ${last.query.name} again, whose answer differs:`), `${fillParameters(last.query.sql, (n) => literal(last.values[n - 1], paramTypes[n - 1], variables))};`);
  } else if (last?.kind === 'statement') {
    lines.push(echo(`chatcheck: the answer is the output of ${last.query.name}, the last statement above`));
  }
  return lines;
}

/** Text for \echo: one quoted argument, in psql's own quoting ('' for a quote, no newlines). */
function psqlQuoted(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, ' ')}'`;
}
