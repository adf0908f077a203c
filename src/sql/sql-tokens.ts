/**
 * SQL text cut coarsely enough to rewrite it safely: code, the parameters `$n` in it, and the runs
 * code cannot look into (strings, dollar-quoted bodies, quoted identifiers, comments). Hand-written
 * because libpg-query exports no scanner, and its parse tree keeps no comments and no ends of
 * strings or identifiers, which the race exports' brace rewriting needs.
 */

export interface SqlToken {
  readonly kind: 'code' | 'parameter' | 'string' | 'escape-string' | 'unicode-string' | 'dollar' | 'identifier' | 'unicode-identifier' | 'comment';
  readonly text: string;
  /** Where the token is in the SQL, as string indices (end exclusive). */
  readonly start: number;
  readonly end: number;
}

const WORD = /[A-Za-z0-9_]/;

/** `sql` as tokens that, joined, give it back; code between the others comes as one token. */
export function sqlTokens(sql: string): SqlToken[] {
  const out: SqlToken[] = [];
  // Code and parameters since the last other token: what a prefix (E', U&') or `$` looks back into.
  let runStart = 0;
  let codeStart = 0;
  const before = (i: number, back: number): string | undefined => (i - back >= runStart ? sql[i - back] : undefined);
  const push = (kind: SqlToken['kind'], start: number, end: number) => {
    if (codeStart < start) out.push({ kind: 'code', text: sql.slice(codeStart, start), start: codeStart, end: start });
    out.push({ kind, text: sql.slice(start, end), start, end });
    codeStart = end;
    if (kind !== 'parameter') runStart = end;
  };
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "'") {
      // E'…' escapes with backslashes; U&'…' has escapes of its own, left alone.
      const escapes = /[eE]/.test(before(i, 1) ?? '') && !WORD.test(before(i, 2) ?? '');
      const unicode = before(i, 1) === '&' && /[uU]/.test(before(i, 2) ?? '') && !WORD.test(before(i, 3) ?? '');
      let j = i + 1;
      for (; j < sql.length; j++) {
        if (escapes && sql[j] === '\\') j++;
        else if (sql[j] === "'") {
          if (sql[j + 1] === "'") j++;
          else break;
        }
      }
      push(escapes ? 'escape-string' : unicode ? 'unicode-string' : 'string', i - (escapes ? 1 : unicode ? 2 : 0), Math.min(j + 1, sql.length));
      i = j + 1;
    } else if (c === '"') {
      const unicode = before(i, 1) === '&' && /[uU]/.test(before(i, 2) ?? '') && !WORD.test(before(i, 3) ?? '');
      let j = i + 1;
      for (; j < sql.length; j++) {
        if (sql[j] === '"') {
          if (sql[j + 1] === '"') j++;
          else break;
        }
      }
      push(unicode ? 'unicode-identifier' : 'identifier', unicode ? i - 2 : i, Math.min(j + 1, sql.length));
      i = j + 1;
    } else if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? sql.length : end;
      push('comment', i, stop);
      i = stop;
    } else if (c === '/' && next === '*') {
      let depth = 0;
      let j = i;
      for (; j < sql.length; j++) {
        if (sql.startsWith('/*', j)) (depth++, j++);
        else if (sql.startsWith('*/', j)) {
          depth--;
          j++;
          if (depth === 0) break;
        }
      }
      push('comment', i, Math.min(j + 1, sql.length));
      i = j + 1;
    } else if (c === '$' && !WORD.test(before(i, 1) ?? '')) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      const parameter = before(i, 1) === '$' ? null : /^\$\d+/.exec(sql.slice(i));
      if (tag !== null) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        const stop = end < 0 ? sql.length : end + tag[0].length;
        push('dollar', i, stop);
        i = stop;
      } else if (parameter !== null) {
        push('parameter', i, i + parameter[0].length);
        i += parameter[0].length;
      } else i++;
    } else i++;
  }
  if (codeStart < sql.length) out.push({ kind: 'code', text: sql.slice(codeStart), start: codeStart, end: sql.length });
  return out;
}

/**
 * `sql` with every parameter `$n` replaced by `render(n)`; a `$n` inside a string, a quoted
 * identifier, a comment or a dollar-quoted body is left alone.
 */
export function fillParameters(sql: string, render: (n: number) => string): string {
  return sqlTokens(sql)
    .map((token) => (token.kind === 'parameter' ? render(Number(token.text.slice(1))) : token.text))
    .join('');
}
