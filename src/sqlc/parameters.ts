import type { A_Expr, FuncCall, Node, RawStmt } from 'libpg-query';
import { SKIP_CHILDREN, stringValue, walk } from './ast.js';
import { QueryFileError, type QueryFileProblem } from './errors.js';
import { inferPositionalNames } from './names.js';
import type { ByteEdit, SourceSnippet } from './source.js';

export interface QueryParam {
  readonly name: string;
  /** 1-based: the `$n` it binds to in the rewritten SQL. */
  readonly position: number;
  /** True for `sqlc.narg`: the query is written to accept NULL there. */
  readonly nullable: boolean;
}

/** A statement as node-postgres can run it: plain `$n` only, parameters ordered by position. */
export interface BoundStatement {
  readonly sql: string;
  readonly params: readonly QueryParam[];
}

/** Where a statement came from, for error messages. */
export interface StatementOrigin {
  readonly file: string;
  readonly query: string;
  readonly snippet: SourceSnippet;
}

/** One place in the text where a parameter is written. Offsets are UTF-8 bytes into the snippet. */
type Use =
  | { readonly kind: 'positional'; readonly number: number; readonly start: number }
  | { readonly kind: 'named'; readonly name: string; readonly nullable: boolean; readonly start: number; readonly end: number };

/**
 * Numbers a statement's parameters the way sqlc does and rewrites it to positional `$n`:
 * `$n` keep their number; named parameters (`sqlc.arg`, `sqlc.narg`, `@name`) follow the highest
 * `$n`, in order of first appearance, every mention of a name sharing one position.
 */
export function bindParameters(statement: RawStmt, origin: StatementOrigin): BoundStatement {
  const start = statement.stmt_location ?? 0;
  // stmt_len 0 means "to the end of the input": the last statement had no ';'.
  const end = statement.stmt_len ? start + statement.stmt_len : origin.snippet.bytes.length;
  const uses = findUses(statement.stmt, origin, end).sort((a, b) => a.start - b.start);

  const highest = checkPositionalNumbering(uses, origin);
  const named = new Map<string, { name: string; position: number; nullable: boolean }>();
  for (const use of uses) {
    if (use.kind !== 'named') continue;
    const param = named.get(use.name);
    if (param === undefined) named.set(use.name, { name: use.name, position: highest + named.size + 1, nullable: use.nullable });
    else param.nullable ||= use.nullable;
  }

  // Callers pass arguments by name, so names must be unique: an inferred name already taken (by a
  // named parameter, or an earlier $n on a same-named column of another table) falls back to p<n>.
  const inferred = inferPositionalNames(statement.stmt);
  const taken = new Set(named.keys());
  const params: QueryParam[] = [];
  for (let position = 1; position <= highest; position++) {
    const guess = inferred.get(position);
    const name = guess !== undefined && !taken.has(guess) ? guess : `p${position}`;
    taken.add(name);
    params.push({ name, position, nullable: false });
  }
  params.push(...named.values());

  const edits: ByteEdit[] = [];
  for (const use of uses) {
    if (use.kind === 'named') edits.push({ start: use.start, end: use.end, text: `$${named.get(use.name)!.position}` });
  }
  return { sql: origin.snippet.rewrite(start, end, edits).trim(), params };
}

/** Every parameter written in the statement; refuses sqlc macros chatcheck cannot run. */
function findUses(statement: Node | undefined, origin: StatementOrigin, statementEnd: number): Use[] {
  const uses: Use[] = [];
  const fail = (reason: QueryFileProblem, offset: number, what: string, fix: string): QueryFileError =>
    new QueryFileError(reason, origin.file, origin.snippet.lineAtByte(offset), `${origin.query}: ${what}`, fix);
  // libpg-query says where a node starts but not where it ends; a parameter's last token is a
  // name, so match just that name's shape (plus the ')' closing sqlc.arg) at the known start.
  const endOfName = (offset: number, closing: boolean): number | undefined => {
    const shape = closing ? NAME_THEN_CLOSING_PARENTHESIS : NAME;
    const match = shape.exec(origin.snippet.slice(offset, statementEnd));
    return match ? offset + Buffer.byteLength(match[0]) : undefined;
  };

  walk(statement, {
    ParamRef({ number = 0, location = 0 }) {
      uses.push({ kind: 'positional', number, start: location });
    },

    FuncCall(call: FuncCall) {
      const [schema, macro, ...more] = (call.funcname ?? []).map(stringValue);
      if (schema !== 'sqlc' || macro === undefined || more.length > 0) return;
      const at = call.location ?? 0;
      if (macro !== 'arg' && macro !== 'narg') {
        const { what, fix } = unsupportedMacro(macro);
        throw fail('unknown-annotation', at, what, fix);
      }
      const name = macroArgument(call);
      const end = name && endOfName(name.location, true);
      if (name === undefined || end === undefined) {
        throw fail('malformed', at, `sqlc.${macro} does not name one parameter`, `write sqlc.${macro}('name') or sqlc.${macro}(name), with nothing else between the parentheses`);
      }
      uses.push({ kind: 'named', name: name.text, nullable: macro === 'narg', start: at, end });
      return SKIP_CHILDREN;
    },

    // `@name` is PostgreSQL's prefix '@' (absolute value) applied to a column reference; with a
    // cast, `@name::uuid`, the cast binds first, so the column sits inside a TypeCast.
    A_Expr(expr: A_Expr) {
      if (expr.lexpr !== undefined || expr.name?.length !== 1 || stringValue(expr.name[0]) !== '@') return;
      const operand = expr.rexpr !== undefined && 'TypeCast' in expr.rexpr ? expr.rexpr.TypeCast.arg : expr.rexpr;
      if (operand === undefined || !('ColumnRef' in operand)) return; // a real absolute value, e.g. @ -5
      const at = expr.location ?? 0;
      const fields = operand.ColumnRef.fields ?? [];
      const name = fields.length === 1 ? stringValue(fields[0]) : undefined;
      const end = endOfName(operand.ColumnRef.location ?? 0, false);
      if (name === undefined || end === undefined) {
        throw fail('malformed', at, 'an @ parameter must be a single name, like @id', 'write @name, or sqlc.arg(name)');
      }
      uses.push({ kind: 'named', name, nullable: false, start: at, end });
      return SKIP_CHILDREN;
    },
  });

  for (const use of uses) {
    if (use.kind === 'positional' && use.number < 1) {
      throw fail('parameter-count', use.start, `$${use.number} is not a parameter`, 'number positional parameters from $1');
    }
  }
  return uses;
}

/** The name in sqlc.arg('name') or sqlc.arg(name), and where it is written. */
function macroArgument(call: FuncCall): { text: string; location: number } | undefined {
  const arg = call.args?.length === 1 ? call.args[0] : undefined;
  if (arg === undefined) return undefined;
  if ('A_Const' in arg) {
    const text = arg.A_Const.sval?.sval;
    return text ? { text, location: arg.A_Const.location ?? 0 } : undefined;
  }
  if ('ColumnRef' in arg && arg.ColumnRef.fields?.length === 1) {
    const text = stringValue(arg.ColumnRef.fields[0]);
    return text ? { text, location: arg.ColumnRef.location ?? 0 } : undefined;
  }
  return undefined;
}

function unsupportedMacro(macro: string): { what: string; fix: string } {
  switch (macro) {
    case 'slice':
      return { what: 'sqlc.slice is not supported by chatcheck', fix: "pass an array instead, e.g. id = ANY(sqlc.arg('ids')::uuid[])" };
    case 'embed':
      return { what: 'sqlc.embed is not supported by chatcheck', fix: "select the embedded table's columns explicitly" };
    default:
      return { what: `unknown sqlc macro sqlc.${macro}`, fix: 'use sqlc.arg, sqlc.narg, @name or $n' };
  }
}

/** Gaps would leave node-postgres a value with no `$n` to go to; returns the highest `$n`. */
function checkPositionalNumbering(uses: readonly Use[], origin: StatementOrigin): number {
  const positional = uses.filter((use) => use.kind === 'positional');
  const numbers = new Set(positional.map((use) => use.number));
  const highest = Math.max(0, ...numbers);
  for (let n = 1; n <= highest; n++) {
    if (numbers.has(n)) continue;
    const after = positional.find((use) => use.number > n)!;
    throw new QueryFileError(
      'parameter-count',
      origin.file,
      origin.snippet.lineAtByte(after.start),
      `${origin.query}: uses $${after.number} but not $${n}`,
      `number positional parameters $1, $2, … without gaps`,
    );
  }
  return highest;
}

// A quoted name, or a bare identifier as PostgreSQL's scanner reads one (letters beyond ASCII included).
const NAME_SOURCE = String.raw`(?:'(?:[^']|'')*'|"(?:[^"]|"")*"|[\p{L}_][\p{L}\p{N}_$]*)`;
const NAME = new RegExp(`^${NAME_SOURCE}`, 'u');
const NAME_THEN_CLOSING_PARENTHESIS = new RegExp(`^${NAME_SOURCE}\\s*\\)`, 'u');
