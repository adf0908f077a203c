import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fillParameters, sqlTokens } from '../../src/sql/sql-tokens.js';

const kinds = (sql: string) => sqlTokens(sql).map(({ kind, text }) => [kind, text]);

describe('sqlTokens', () => {
  it('cuts code, parameters, strings, identifiers, dollar bodies and comments apart', () => {
    expect(kinds("SELECT $1, 'a''b', \"x\"\"y\" -- $2\n/* a /* b */ c */ $$ $3 $$ FROM t")).toEqual([
      ['code', 'SELECT '],
      ['parameter', '$1'],
      ['code', ', '],
      ['string', "'a''b'"],
      ['code', ', '],
      ['identifier', '"x""y"'],
      ['code', ' '],
      ['comment', '-- $2'],
      ['code', '\n'],
      ['comment', '/* a /* b */ c */'],
      ['code', ' '],
      ['dollar', '$$ $3 $$'],
      ['code', ' FROM t'],
    ]);
  });

  it('takes the E and U& prefixes into their strings, and a backslash escapes only in E strings', () => {
    expect(kinds("E'it\\'s' U&'\\0041' U&\"\\0042\" 'a\\' e")).toEqual([
      ['escape-string', "E'it\\'s'"],
      ['code', ' '],
      ['unicode-string', "U&'\\0041'"],
      ['code', ' '],
      ['unicode-identifier', 'U&"\\0042"'],
      ['code', ' '],
      ['string', "'a\\'"],
      ['code', ' e'],
    ]);
    // A letter that ends a longer word is no prefix: `nameE'…'` is a name, then a plain string.
    expect(kinds("nameE'a\\'")).toEqual([
      ['code', 'nameE'],
      ['string', "'a\\'"],
    ]);
  });

  it('reads a $ inside a name as part of the name, not as a parameter or a dollar quote', () => {
    expect(kinds('a$1 b$$1 $tag$x$tag$')).toEqual([
      ['code', 'a$1 b$$1 '],
      ['dollar', '$tag$x$tag$'],
    ]);
  });

  it('runs an unterminated string, comment or dollar body to the end of the text', () => {
    for (const sql of ["SELECT 'abc", 'SELECT "abc', 'SELECT /* abc', 'SELECT $q$ abc', "SELECT E'abc\\"]) {
      const tokens = sqlTokens(sql);
      expect(tokens.map((token) => token.kind)).toEqual(['code', expect.not.stringMatching(/^code$/)]);
      expect(tokens.at(-1)!.end).toBe(sql.length);
    }
  });

  it('gives the text back, each token at its span, for any text', () => {
    const pieces = ["'", '"', '$', '\\', 'e', 'E', 'U&', '-', '/', '*', '\n', ' ', '1', 'a', '$1', '$t$', 'é'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), (parts) => {
        const sql = parts.join('');
        const tokens = sqlTokens(sql);
        expect(tokens.map((token) => token.text).join('')).toBe(sql);
        let at = 0;
        for (const token of tokens) {
          expect([token.start, token.end]).toEqual([at, at + token.text.length]);
          expect(sql.slice(token.start, token.end)).toBe(token.text);
          at = token.end;
        }
      }),
      { seed: 1, numRuns: 2000 },
    );
  });
});

describe('fillParameters', () => {
  it('replaces the parameters, not a $n anywhere else', () => {
    expect(fillParameters("SELECT $1 + $12, '$2', E'\\'$3', x$4, $5$6 FROM t -- $7", (n) => `<${n}>`)).toBe("SELECT <1> + <12>, '$2', E'\\'$3', x$4, <5>$6 FROM t -- $7");
  });
});
