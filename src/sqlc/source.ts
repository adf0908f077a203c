/**
 * A piece of a query file handed to the PostgreSQL parser, with the file line it starts on.
 *
 * The parser counts in two units, and neither is a JavaScript string index: AST `location`s are
 * UTF-8 byte offsets, and a syntax error's cursor counts characters (code points). One accented
 * letter in a comment shifts bytes by one and UTF-16 indices by none; one emoji shifts all three
 * differently. So every offset from the parser is used against `bytes` or through the methods
 * here, never against `text` directly.
 */
export class SourceSnippet {
  readonly bytes: Buffer;

  constructor(
    readonly text: string,
    readonly firstLine: number,
  ) {
    this.bytes = Buffer.from(text, 'utf8');
  }

  /** The file line holding the byte at `offset` (an AST location). */
  lineAtByte(offset: number): number {
    let line = this.firstLine;
    const end = Math.min(offset, this.bytes.length);
    for (let i = 0; i < end; i++) if (this.bytes[i] === 0x0a) line++;
    return line;
  }

  /** The file line holding the code point at `index` (a syntax error's cursor). */
  lineAtCharacter(index: number): number {
    let line = this.firstLine;
    let seen = 0;
    for (const character of this.text) {
      if (seen++ >= index) break;
      if (character === '\n') line++;
    }
    return line;
  }

  /** The text of bytes [start, end). */
  slice(start: number, end: number = this.bytes.length): string {
    return this.bytes.toString('utf8', start, end);
  }

  /** The text of bytes [start, end) with each edit's byte range replaced by its text. */
  rewrite(start: number, end: number, edits: readonly ByteEdit[]): string {
    const parts: Buffer[] = [];
    let at = start;
    for (const edit of [...edits].sort((a, b) => a.start - b.start)) {
      if (edit.start < at || edit.end > end) throw new Error(`overlapping or out-of-range edit at byte ${edit.start}`);
      parts.push(this.bytes.subarray(at, edit.start), Buffer.from(edit.text, 'utf8'));
      at = edit.end;
    }
    parts.push(this.bytes.subarray(at, end));
    return Buffer.concat(parts).toString('utf8');
  }
}

/** Replace bytes [start, end) with `text`. */
export interface ByteEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}
