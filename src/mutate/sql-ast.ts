import { loadModule, parseSync, type Node, type RawStmt } from 'libpg-query';
import { deparseSync } from 'pgsql-deparser';

/**
 * The parse-tree plumbing the mutant catalogues share. Mutants are made on the tree (parse, change,
 * deparse), never on the text, and only the changed statement's text is replaced, so the comments
 * and sqlc annotations around it survive.
 */

let loading: Promise<void> | undefined;

/** libpg-query is WASM: its module must be loaded, once, before any parse. */
export function loadParser(): Promise<void> {
  loading ??= loadModule();
  return loading;
}

/** One statement of a file and where its text is. */
export interface Statement {
  readonly node: Node;
  /** String offsets into the file's text, [start, end): from its first token to just before its ';'. */
  readonly start: number;
  readonly end: number;
}

/** The statements of a file, in order. Needs {@link loadParser} first. */
export function parseStatements(text: string): Statement[] {
  // libpg-query refuses blank input outright; to PostgreSQL it is simply no statements.
  if (text.trim() === '') return [];
  const bytes = Buffer.from(text, 'utf8');
  // libpg-query counts in UTF-8 bytes; JavaScript strings in UTF-16 units.
  const charOffset = (byte: number): number => bytes.subarray(0, byte).toString('utf8').length;
  return ((parseSync(text).stmts ?? []) as RawStmt[]).map((raw): Statement => {
    // A statement's range starts just past the previous ';', so it holds the comments before it
    // (the `-- name:` line among them); stmt_len 0 means "to the end of the input".
    const from = raw.stmt_location ?? 0;
    const to = raw.stmt_len ? from + raw.stmt_len : bytes.length;
    return { node: raw.stmt as Node, start: charOffset(firstTokenAt(bytes, from, to)), end: charOffset(trimmedEnd(bytes, from, to)) };
  });
}

/**
 * A file with one statement rewritten from `mutated`, an edited copy of its tree: the statement's
 * new SQL and the file's whole new text; undefined when the edit makes no difference to the SQL.
 * Only the statement's own text is replaced (a comment between its last token and its ';' goes
 * with it: libpg-query does not say where the last token ends). Throws, naming `mutant`, when the
 * SQL does not parse back to `mutated`: a deparser gap would pass off some other change as this one.
 */
export function rewriteStatement(text: string, statement: Statement, mutated: Node, mutant: string): { sql: string; text: string } | undefined {
  const sql = deparseStatement(mutated);
  if (sql === deparseStatement(statement.node)) return undefined;
  if (!sameTree(parseStatements(sql)[0]?.node, mutated)) throw new Error(`${mutant}: the deparsed statement does not parse back to the mutated tree:\n${sql}`);
  return { sql, text: text.slice(0, statement.start) + sql + text.slice(statement.end) };
}

/** A statement as SQL to write into a file, in pgsql-deparser's multi-line layout. */
export function deparseStatement(node: Node): string {
  return deparseSync(node, { pretty: true });
}

/** Any node as one line of SQL, for descriptions; a long one (a whole subquery) is cut short. */
export function sqlFragment(node: Node): string {
  const sql = deparseSync(node, { pretty: false });
  return sql.length <= FRAGMENT_LENGTH ? sql : `${sql.slice(0, FRAGMENT_LENGTH - 1)}…`;
}

const FRAGMENT_LENGTH = 100;

/** Equal trees up to `location` fields (which only say where in the text a node was). */
export function sameTree(a: unknown, b: unknown): boolean {
  return JSON.stringify(withoutLocations(a)) === JSON.stringify(withoutLocations(b));
}

/** The tree without `location` fields and with every object's keys sorted: a built node may list them in another order. */
function withoutLocations(tree: unknown): unknown {
  if (Array.isArray(tree)) return tree.map(withoutLocations);
  if (tree === null || typeof tree !== 'object') return tree;
  const entries = Object.entries(tree).filter(([key]) => key !== 'location');
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, value]) => [key, withoutLocations(value)]));
}

/** Where the walk stands: a node, the nodes enclosing it (outermost first) and its slot in the tree. */
export interface NodeVisit {
  readonly node: Node;
  readonly ancestors: readonly Node[];
  /** Puts another node in this one's place. */
  readonly replace: (replacement: Node) => void;
}

/**
 * Visits every wrapped node (`{ TypeName: fields }`) under `tree`, parents first, children in the
 * parser's field order: the "tree-walk order" mutant ids count in. Fields that hold a struct
 * unwrapped (UpdateStmt.relation, ColumnDef.typeName) are walked through without being visited.
 */
export function walkNodes(tree: Node, visit: (at: NodeVisit) => void): void {
  const descend = (value: unknown, ancestors: readonly Node[], replace: (replacement: Node) => void): void => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => descend(item, ancestors, (replacement) => (value[index] = replacement)));
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const wrapped = isWrapped(value);
    if (wrapped) visit({ node: value, ancestors, replace });
    const below = wrapped ? [...ancestors, value] : ancestors;
    const fields = (wrapped ? Object.values(value)[0] : value) as Record<string, unknown>;
    for (const [key, child] of Object.entries(fields)) {
      descend(child, below, (replacement) => (fields[key] = replacement));
    }
  };
  descend(tree, [], () => {
    throw new Error('the root of a walk cannot be replaced');
  });
}

/** libpg-query wraps every node of a `Node` field as an object with one capitalised key. */
function isWrapped(value: object): value is Node {
  const keys = Object.keys(value);
  return keys.length === 1 && /^[A-Z]/.test(keys[0]!);
}

/** The text of a `String` node (identifiers, operator names), if that is what `node` is. */
export function stringOf(node: Node | undefined): string | undefined {
  return node !== undefined && 'String' in node ? node.String.sval : undefined;
}

/** A string literal's value, if `node` is one. */
export function stringLiteral(node: Node | undefined): string | undefined {
  return node !== undefined && 'A_Const' in node ? node.A_Const.sval?.sval : undefined;
}

/** A column of a table, as the migrations create it. */
export interface TableColumn {
  readonly name: string;
  /** The type's name without schema or modifiers (`uuid`, `text`, `int4`, `varchar`), `[]` for arrays. */
  readonly type: string;
}

/** Every table the migrations create, with its columns in table order. */
export function tablesOf(migrations: readonly { name: string; text: string }[]): Map<string, TableColumn[]> {
  const tables = new Map<string, TableColumn[]>();
  for (const migration of migrations) {
    for (const { node } of parseStatements(migration.text)) {
      if (!('CreateStmt' in node) || node.CreateStmt.relation?.relname === undefined) continue;
      const columns = (node.CreateStmt.tableElts ?? []).flatMap((element) => {
        if (!('ColumnDef' in element) || element.ColumnDef.colname === undefined) return [];
        const typeName = element.ColumnDef.typeName;
        const base = stringOf(typeName?.names?.at(-1)) ?? '?';
        return [{ name: element.ColumnDef.colname, type: typeName?.arrayBounds?.length ? `${base}[]` : base }];
      });
      tables.set(node.CreateStmt.relation.relname, columns);
    }
  }
  return tables;
}

/** Past the whitespace and comments that precede a statement's first token. */
function firstTokenAt(bytes: Buffer, from: number, to: number): number {
  let at = from;
  while (at < to) {
    const char = String.fromCharCode(bytes[at]!);
    const next = String.fromCharCode(bytes[at + 1] ?? 0);
    if (/\s/.test(char)) at++;
    else if (char === '-' && next === '-') at = lineEnd(bytes, at, to);
    else if (char === '/' && next === '*') at = blockCommentEnd(bytes, at, to);
    else break;
  }
  return at;
}

function lineEnd(bytes: Buffer, from: number, to: number): number {
  const newline = bytes.indexOf(0x0a, from);
  return newline === -1 || newline > to ? to : newline + 1;
}

/** PostgreSQL's block comments nest. */
function blockCommentEnd(bytes: Buffer, from: number, to: number): number {
  let depth = 0;
  for (let at = from; at < to - 1; at++) {
    const pair = String.fromCharCode(bytes[at]!, bytes[at + 1]!);
    if (pair === '/*') {
      depth++;
      at++;
    } else if (pair === '*/') {
      depth--;
      at++;
      if (depth === 0) return at + 1;
    }
  }
  return to;
}

function trimmedEnd(bytes: Buffer, from: number, to: number): number {
  let at = to;
  while (at > from && /\s/.test(String.fromCharCode(bytes[at - 1]!))) at--;
  return at;
}
