import { isSqlcCommand, SQLC_COMMANDS, type SqlcCommand } from './commands.js';
import { QueryFileError } from './errors.js';
import { SourceSnippet } from './source.js';

/** One `-- name:` block, not yet parsed. */
export interface AnnotatedBlock {
  readonly name: string;
  /** sqlc's command: `:one`, `:many`, `:exec`, `:execrows`, … */
  readonly kind: SqlcCommand;
  /** The `-- name:` line, 1-based. */
  readonly line: number;
  /**
   * The block after its header comments: from the first line that is neither blank nor a `--`
   * comment up to the next annotation. Its description comments are sqlc's doc comments for the
   * generated code, not part of the statement, so they stay out of the SQL that is run.
   */
  readonly body: SourceSnippet;
}

export interface AnnotatedFile {
  /** Whatever precedes the first annotation; may hold comments, never SQL. */
  readonly preamble: SourceSnippet;
  readonly blocks: readonly AnnotatedBlock[];
}

/**
 * Splits a query file at its `-- name:` lines. A line that looks like an annotation but is not
 * one exactly is refused rather than read as a comment: it would silently glue two queries together.
 * (An annotation-looking line inside a multi-line string literal would split it too; sqlc has
 * the same blind spot.)
 */
export function splitAnnotatedBlocks(text: string, file: string): AnnotatedFile {
  const lines = text.split('\n');
  const starts = lines.flatMap((line, index) => (LOOKS_LIKE_ANNOTATION.test(line) ? [index] : []));
  const snippet = (from: number, to: number): SourceSnippet => new SourceSnippet(lines.slice(from, to).join('\n'), from + 1);

  const blocks = starts.map((start, i): AnnotatedBlock => {
    const end = starts[i + 1] ?? lines.length;
    let bodyStart = start + 1;
    while (bodyStart < end && isBlankOrLineComment(lines[bodyStart]!)) bodyStart++;
    return { ...readAnnotation(lines[start]!, file, start + 1), line: start + 1, body: snippet(bodyStart, end) };
  });
  return { preamble: snippet(0, starts[0] ?? lines.length), blocks };
}

/** The 1-based line of the first line in `snippet` that is neither blank nor a `--` comment. */
export function firstContentLine(snippet: SourceSnippet): number {
  const index = snippet.text.split('\n').findIndex((line) => !isBlankOrLineComment(line));
  return snippet.firstLine + Math.max(index, 0);
}

function isBlankOrLineComment(line: string): boolean {
  const trimmed = line.trim();
  return trimmed === '' || trimmed.startsWith('--');
}

function readAnnotation(text: string, file: string, line: number): { name: string; kind: SqlcCommand } {
  const match = ANNOTATION.exec(text);
  if (!match) {
    throw new QueryFileError('malformed', file, line, `malformed annotation "${text.trim()}"`, 'write it as "-- name: <Name> :one" (or another sqlc command: :many, :exec, …), the name a plain identifier');
  }
  const [, name, kind] = match as unknown as [string, string, string];
  if (isSqlcCommand(kind)) return { name, kind };
  throw new QueryFileError('unknown-annotation', file, line, `${name}: unknown annotation ":${kind}"`, `use one of sqlc's commands: ${SQLC_COMMANDS.map((command) => `:${command}`).join(', ')}`);
}

const LOOKS_LIKE_ANNOTATION = /^\s*--\s*name\s*:/;
const ANNOTATION = /^--\s*name:\s+([A-Za-z_][A-Za-z0-9_]*)\s+:(\S+)\s*$/;
