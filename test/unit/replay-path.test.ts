/** The --path a finding prints: fast-check's path, then `@` and its command list's replayPath, then `.` and the case's hash. */
import { describe, expect, it } from 'vitest';
import { replayPathOption, splitReplayPath } from '../../src/options.js';

describe('--path', () => {
  it('splits into fast-check path, replayPath and case hash, each optional but the first', () => {
    expect(splitReplayPath('34:2:2')).toEqual({ path: '34:2:2' });
    expect(splitReplayPath('34:2:2@ZB/L:N')).toEqual({ path: '34:2:2', replayPath: 'ZB/L:N' });
    expect(splitReplayPath('34:2:2@ZB/L:N.5d756555')).toEqual({ path: '34:2:2', replayPath: 'ZB/L:N', caseHash: '5d756555' });
    expect(splitReplayPath('0.0f3a9c21')).toEqual({ path: '0', caseHash: '0f3a9c21' });
    expect(splitReplayPath(undefined)).toEqual({});
  });

  it('accepts what a finding prints, and nothing else', () => {
    for (const text of ['0', '34:2:2@ZB/L:N', '34:2:2@iK+:9.0f3a9c21', '7.abcdef01']) expect(replayPathOption(text)).toBe(text);
    for (const text of ['', 'x', '1:2@', '1:2.abc', '1:2@ZB.5D756555', '1:2.5d756555@ZB']) expect(() => replayPathOption(text)).toThrow(/expected the path chatcheck printed/);
  });
});
