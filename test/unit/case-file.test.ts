import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Elapsed, Instant, type Value } from '../../model/values.js';
import { caseFileName } from '../../src/cases/build-case.js';
import { decodeValue, encodeCommand, encodeValue } from '../../src/cases/case-values.js';
import { parseCase } from '../../src/cases/read-case.js';
import { fillParameters } from '../../src/cases/sequential-psql.js';
import { SetupError } from '../../src/errors.js';
import { packageRoot } from '../../src/paths.js';

const regression = readFileSync(path.join(packageRoot, 'test', 'regressions', 'planted-list-sessions-archived.json'), 'utf8');

/** The one line a case file that cannot be replayed fails with. */
function problem(edit: (json: Record<string, unknown>) => void): string {
  const json = JSON.parse(regression) as Record<string, unknown>;
  edit(json);
  try {
    parseCase(JSON.stringify(json), 'case.json');
  } catch (error) {
    expect(error).toBeInstanceOf(SetupError);
    return (error as SetupError).problem;
  }
  throw new Error('the case was accepted');
}

describe('case files', () => {
  it('literal values JSON cannot say round-trip through their tagged form', () => {
    const values: Value[] = [Instant.at(3), new Elapsed(Instant.at(2), Instant.at(5)), -0, NaN, -Infinity, { $instant: 1 }, { a: 1 }, 'text', null, 7];
    for (const value of values) {
      const decoded = decodeValue(JSON.parse(JSON.stringify(encodeValue(value))));
      expect(decoded).toStrictEqual(value);
    }
    expect(decodeValue({ $instant: 3 })).toBe(Instant.at(3));
    expect(decodeValue({ $when: 3 })).toEqual({ problem: 'unknown tag "$when" (tags: $instant, $elapsed, $number, $json)' });
  });

  it('a case reads back as the commands it was written from', () => {
    const caseFile = parseCase(regression, 'case.json');
    expect(caseFile.mode).toBe('sequential');
    if (caseFile.mode !== 'sequential') return;
    expect(caseFile.commands.map(encodeCommand)).toEqual((JSON.parse(regression) as { commands: unknown[] }).commands);
  });

  it('names the field and why when it cannot replay it', () => {
    expect(problem((json) => ((json['commands'] as { name: string }[])[2]!.name = 'Foo'))).toMatch(/^case\.json: "commands"\[2\]\.name: unknown workflow "Foo"$/);
    expect(problem((json) => (json['format'] = 'other'))).toBe('case.json: "format": "other", not "chatcheck-case": this is not a chatcheck case file');
    expect(problem((json) => (json['version'] = 2))).toMatch(/^case\.json: "version": 2 is newer than this chatcheck reads \(up to 1\)/);
    expect(problem((json) => (json['version'] = 'one'))).toMatch(/"version": "one" is not a case file version/);
    expect(problem((json) => delete json['stateEvery'])).toBe('case.json: "stateEvery": missing is not a whole number from 1');
    expect(problem((json) => ((json['inputs'] as Record<string, unknown>)['queries'] = 'md5:0'))).toMatch(/"inputs"\.queries: "md5:0" is not a digest/);
    expect(problem((json) => ((json['expected'] as Record<string, unknown>)['command'] = 9))).toMatch(/"expected"\.command: 9 names no command of the \d+ in "commands"/);
    expect(problem((json) => (((json['commands'] as { args: Record<string, unknown> }[])[0]!.args)['agent_id'] = { ref: 'agents', pick: 0 }))).toBe('case.json: "commands"[0].args.agent_id.ref: unknown table "agents"');
    expect(() => parseCase('{"format": "chatcheck-case", "vers', 'case.json')).toThrow(/^case\.json: not JSON/);
  });

  it('a case file is named by what it replays, not when it was recorded', () => {
    const json = JSON.parse(regression) as Record<string, unknown>;
    const name = caseFileName(json);
    expect(name).toMatch(/^sequential-divergence-[0-9a-f]{8}\.json$/);
    expect(caseFileName({ ...json, recordedAt: '2000-01-01T00:00:00.000Z' })).toBe(name);
    expect(caseFileName({ ...json, stateEvery: 2 })).not.toBe(name);
  });

  it('fills parameters but not a $n inside a string, a comment or a dollar-quoted body', () => {
    const sql = "SELECT $1, '$2', \"$3\", $$ $4 $$, $tag$ $5 $tag$ -- $6\n/* $7 */ $8, E'it\\'s $9', $10";
    expect(fillParameters(sql, (n) => `<${n}>`)).toBe("SELECT <1>, '$2', \"$3\", $$ $4 $$, $tag$ $5 $tag$ -- $6\n/* $7 */ <8>, E'it\\'s $9', <10>");
  });
});
