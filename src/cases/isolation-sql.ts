/**
 * SQL text as the race exports write it: parameters filled in as literals, a statement that makes
 * ids wrapped so that it records them, and every `{` `}` kept out of the text — an isolation spec's
 * step or setup block ends at the first `}`, whatever quotes it stands in (PostgreSQL's
 * src/test/isolation/specscanner.l), so a brace in a string becomes an E'' escape.
 */
import pg from 'pg';
import { sqlTokens, type SqlToken } from '../sql/sql-tokens.js';

export { fillParameters } from '../sql/sql-tokens.js';

/**
 * A value as the server received it (node-postgres's text form), written as a SQL literal cast to
 * its parameter's type: `'…'::uuid`, `NULL::text`.
 */
export function sqlLiteral(value: unknown, type: string | undefined): string {
  const cast = type === undefined || type === 'unknown' ? '' : `::${type}`;
  if (value === null || value === undefined) return `NULL${cast}`;
  return `${pg.escapeLiteral(parameterText(value))}${cast}`;
}

/** What node-postgres sends for a value (its prepareValue, for the kinds a workflow passes). */
function parameterText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `{${value.map((item) => (item === null || item === undefined ? 'NULL' : `"${parameterText(item).replace(/(["\\])/g, '\\$1')}"`)).join(',')}}`;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * `sql` without a `{` or `}`, meaning the same: a string, dollar-quoted body or quoted identifier
 * that holds one is rewritten with escapes (E'…\x7b…', U&"…\007B…"), a comment that holds one is
 * dropped. A brace in plain code is no SQL PostgreSQL parses; it is refused.
 */
export function withoutBraces(sql: string): string {
  if (!/[{}]/.test(sql)) return sql;
  const tokens = sqlTokens(sql);
  return tokens
    .map(({ kind, text }, index) => {
      if (!/[{}]/.test(text)) return text;
      switch (kind) {
        case 'string':
          return escapeString(text.slice(1, -1));
        case 'dollar': {
          const tag = /^\$[A-Za-z0-9_]*\$/.exec(text)![0];
          return escapeString(text.slice(tag.length, text.length - tag.length).replace(/'/g, "''"));
        }
        case 'escape-string':
          // Inside E'…' an escaped brace is the brace itself: either way it becomes \x7b / \x7d.
          return text.replace(/\\(.)|([{}])/gs, (whole, escaped: string | undefined, brace: string | undefined) => {
            const char = escaped ?? brace!;
            if (char === '{') return '\\x7b';
            if (char === '}') return '\\x7d';
            return whole;
          });
        case 'identifier':
          return `U&"${text.slice(1, -1).replace(/\\/g, '\\\\').replace(/\{/g, '\\007B').replace(/\}/g, '\\007D')}"`;
        case 'unicode-identifier':
        case 'unicode-string':
          // Already in U& form (a backslash escapes there): a brace becomes its escape.
          return text.replace(/\{/g, '\\007B').replace(/\}/g, '\\007D');
        case 'comment':
          return text.startsWith('--') ? '' : ' ';
        default:
          throw new Error(`a brace in SQL code outside any string cannot go into an isolation spec: ${codeAround(tokens, index).trim().slice(0, 80)}`);
      }
    })
    .join('');
}

/** The code around tokens[index], the parameters in it included. */
function codeAround(tokens: readonly SqlToken[], index: number): string {
  let first = index;
  let last = index;
  while (isCode(tokens[first - 1])) first--;
  while (isCode(tokens[last + 1])) last++;
  return tokens.slice(first, last + 1).map((token) => token.text).join('');
}

/** Code, parameters included: what a brace or a WITH is looked for in. */
function isCode(token: SqlToken | undefined): boolean {
  return token?.kind === 'code' || token?.kind === 'parameter';
}

/** A plain string's content ('' for a quote) as an E'' string with its braces and backslashes escaped. */
function escapeString(content: string): string {
  return `E'${content.replace(/\\/g, '\\\\').replace(/\{/g, '\\x7b').replace(/\}/g, '\\x7d')}'`;
}

/** A value of a result row to keep: which row (`:many`; undefined for the one row of a `:one`), which column, under which name. */
export interface Capture {
  readonly name: string;
  readonly column: string;
  readonly row?: number;
}

/**
 * The statement `sql` (one that returns rows) made to also record `captures` into `table`, and
 * answer what it answered: a data-modifying CTE around it (PostgreSQL runs the statement once, the
 * INSERT reads its rows, the outer SELECT returns them). A statement that has a WITH of its own
 * keeps it at the top, the statement proper becoming one more CTE (a WITH holding a data-modifying
 * statement may not be nested).
 */
export function capturing(sql: string, table: string, captures: readonly Capture[]): string {
  const saved = captures
    .map(({ name, column, row }) => {
      const from = row === undefined ? 'chatcheck_row' : `(SELECT * FROM chatcheck_row OFFSET ${row} LIMIT 1) AS chatcheck_one`;
      return `SELECT ${pg.escapeLiteral(name)}, ${pg.escapeIdentifier(column)}::text FROM ${from}`;
    })
    .join(' UNION ALL ');
  const tail = `chatcheck_saved AS (INSERT INTO ${table} (name, value) ${saved})\nSELECT * FROM chatcheck_row`;
  const split = splitWith(sql);
  if (split === undefined) return `WITH chatcheck_row AS (\n${sql}\n), ${tail}`;
  return `${split.ctes},\nchatcheck_row AS (\n${split.statement}\n), ${tail}`;
}

/** A statement that starts with WITH, cut after its last CTE: `WITH a AS (…), b AS (…)` and the statement proper. */
function splitWith(sql: string): { ctes: string; statement: string } | undefined {
  const parts = sqlTokens(sql);
  const firstCode = parts.find((part) => isCode(part) && part.text.trim() !== '');
  if (firstCode === undefined || !/^\s*with\b/i.test(firstCode.text)) return undefined;
  // Walk the code at parenthesis depth 0: after a group closes, a comma, AS, NOT or MATERIALIZED
  // goes on with the CTE list; anything else starts the statement proper.
  let offset = 0;
  let depth = 0;
  let closedAt: number | undefined;
  for (const part of parts) {
    if (!isCode(part)) {
      offset += part.text.length;
      continue;
    }
    for (let i = 0; i < part.text.length; i++) {
      const c = part.text[i]!;
      if (closedAt !== undefined && depth === 0 && !/\s/.test(c)) {
        const rest = part.text.slice(i);
        if (c === ',' || /^(as|not|materialized)\b/i.test(rest)) closedAt = undefined;
        else return { ctes: sql.slice(0, closedAt), statement: sql.slice(offset + i) };
      }
      if (c === '(') depth++;
      else if (c === ')' && --depth === 0) closedAt = offset + i + 1;
    }
    offset += part.text.length;
  }
  return undefined;
}
