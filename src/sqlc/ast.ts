import { hasSqlDetails, parseSync } from 'libpg-query';
import type { ColumnRef, Node, RawStmt } from 'libpg-query';
import type { SourceSnippet } from './source.js';

/**
 * libpg-query hands the AST back as JSON in which every node is wrapped as `{ TypeName: fields }`.
 * These types name the wrapper keys and what they hold, so visitors get typed nodes.
 */
export type NodeType = Node extends infer N ? (N extends unknown ? keyof N & string : never) : never;
export type NodeOf<T extends NodeType> = Extract<Node, Record<T, unknown>>[T];

/** Returned by a visitor to keep the walk out of a node's children (e.g. the name in sqlc.arg). */
export const SKIP_CHILDREN = Symbol('skip children');

export type Visitor = { readonly [T in NodeType]?: (node: NodeOf<T>) => void | typeof SKIP_CHILDREN };

/**
 * Visits every wrapped node under `tree`, parents first. The order follows the parser's struct
 * fields, not the text (an INSERT's WITH comes last), so callers that care sort by location.
 */
export function walk(tree: unknown, visitor: Visitor): void {
  if (Array.isArray(tree)) {
    for (const item of tree) walk(item, visitor);
    return;
  }
  if (tree === null || typeof tree !== 'object') return;
  for (const [key, value] of Object.entries(tree)) {
    const visit = Object.hasOwn(visitor, key) ? (visitor[key as NodeType] as (node: unknown) => unknown) : undefined;
    if (visit?.(value) === SKIP_CHILDREN) continue;
    walk(value, visitor);
  }
}

/** The text of a `String` node (identifiers, operator names), if that is what `node` is. */
export function stringValue(node: Node | undefined): string | undefined {
  return node !== undefined && 'String' in node ? node.String.sval : undefined;
}

/** `a.b.col` → `col`; undefined for `t.*`. */
export function columnName(ref: ColumnRef): string | undefined {
  return stringValue(ref.fields?.at(-1));
}

/** The smallest `location` anywhere under `tree`: roughly where its first token is. */
export function firstLocation(tree: unknown): number | undefined {
  let first: number | undefined;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'location' && typeof inner === 'number' && inner >= 0) first = Math.min(first ?? inner, inner);
        else visit(inner);
      }
    }
  };
  visit(tree);
  return first;
}

export type ParseOutcome =
  | { readonly ok: true; readonly stmts: readonly RawStmt[] }
  | { readonly ok: false; readonly message: string; readonly line: number };

/** Parses a snippet with the real PostgreSQL grammar; a syntax error comes back with its file line. */
export function parseSnippet(snippet: SourceSnippet): ParseOutcome {
  // libpg-query refuses blank input outright; to PostgreSQL it is simply no statements.
  if (snippet.text.trim() === '') return { ok: true, stmts: [] };
  try {
    return { ok: true, stmts: parseSync(snippet.text).stmts ?? [] };
  } catch (error) {
    if (!hasSqlDetails(error)) throw error;
    return { ok: false, message: error.message, line: snippet.lineAtCharacter(error.sqlDetails.cursorPosition) };
  }
}
