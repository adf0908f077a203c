/**
 * The two text transformations the completion and failure paths apply before writing an assistant
 * message. Both are plain string functions; both drivers run this same code, so an
 * approximation here can never show up as a divergence between model and database.
 */

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', '\\': '\\' };

/**
 * util.UnescapeBackslashEscapes as workflows.md §8 states it: left to right, the two-character
 * sequences `\n`, `\r`, `\t`, `\\` become newline, CR, tab, backslash; any other backslash is kept
 * (and the character after it is read normally).
 */
export function unescape(input: string): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const ch = input[i] as string;
    const replacement = ch === '\\' ? ESCAPES[input[i + 1] ?? ''] : undefined;
    if (replacement !== undefined) {
      out += replacement;
      i += 2;
    } else {
      out += ch;
      i += 1;
    }
  }
  return out;
}

export const REDACTED = '[REDACTED]';

/**
 * APPROXIMATION of multica's redact.Text (server/pkg/redact), which masks secret-shaped substrings
 * and the server's home directory. This version masks:
 * - PEM private-key blocks;
 * - `Bearer <token>` (the word as HTTP writes it, capital B);
 * - well-known API-key shapes: `sk-…`, `ghp_…`/`gho_…`/`ghs_…`, `xox[abpr]-…`, `AKIA…`;
 * - the password in a connection string `scheme://user:password@host`;
 * - `<name>=value` / `<name>: value` pairs whose name contains TOKEN, SECRET, PASSWORD or API_KEY,
 *   case-insensitively (the name and separator are kept, the value is masked).
 * It does not know the server's home directory and leaves paths alone.
 *
 * Like the original, it is the identity on text drawn from `[a-z0-9 ]` (every rule needs a
 * character outside that alphabet: a capital, `=`, `:`, `-`, `_` or `/`), so content generated
 * from that alphabet is stored exactly as sent.
 */
export function redact(input: string): string {
  return input
    .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, `${REDACTED}`)
    .replace(/\bBearer\s+[A-Za-z0-9._~+/=-]+/g, `Bearer ${REDACTED}`)
    .replace(/\b(?:sk-[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{16,}|xox[abpr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})\b/g, REDACTED)
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)([^\s@/]+)(@)/gi, `$1${REDACTED}$3`)
    .replace(/\b([A-Za-z0-9_]*(?:token|secret|password|api_key)[A-Za-z0-9_]*)(\s*[=:]\s*)(?!\[REDACTED\])("[^"]*"|'[^']*'|[^\s'"]+)/gi, `$1$2${REDACTED}`);
}
