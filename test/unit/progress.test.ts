import { describe, expect, it } from 'vitest';
import { progressLine } from '../../src/commands/sequential.js';

/** A progress line on a fake terminal and a fake clock. */
function terminal(runs: number) {
  let text = '';
  let clock = 0;
  const line = progressLine(runs, (chunk) => (text += chunk), () => clock);
  return {
    line,
    tick: (ms: number) => (clock += ms),
    /** What the terminal shows: the text after the last carriage return, escape codes removed. */
    shown: () => text.slice(text.lastIndexOf('\r') + 1).replace(/\x1b\[K/g, ''),
    written: () => text,
  };
}

describe('the progress line of chatcheck sequential', () => {
  it('counts runs and commands, rewriting one line', () => {
    const t = terminal(200);
    t.line.update(1, 30, 'running');
    expect(t.shown()).toBe('sequential: run 1/200, 30 commands');
    t.tick(150);
    t.line.update(37, 912, 'running');
    expect(t.shown()).toBe('sequential: run 37/200, 912 commands');
    expect(t.written()).not.toContain('\n');
  });

  it('rewrites at most ten times a second', () => {
    const t = terminal(200);
    t.line.update(1, 30, 'running');
    t.tick(50);
    t.line.update(2, 60, 'running');
    expect(t.shown()).toBe('sequential: run 1/200, 30 commands');
    t.tick(50);
    t.line.update(3, 90, 'running');
    expect(t.shown()).toBe('sequential: run 3/200, 90 commands');
  });

  it('after a failing run: which run failed, then shrinking, then the search for a shorter case', () => {
    const t = terminal(200);
    t.line.update(91, 2000, 'shrinking');
    expect(t.shown()).toBe('sequential: run 91/200 failed, shrinking (0 tries), 2000 commands');
    t.tick(100);
    t.line.update(103, 2400, 'shrinking');
    expect(t.shown()).toBe('sequential: run 91/200 failed, shrinking (12 tries), 2400 commands');
    t.tick(100);
    t.line.update(143, 2900, 'searching');
    expect(t.shown()).toBe('sequential: run 91/200 failed, looking for a shorter case (52 tries), 2900 commands');
  });

  it('clear erases the line, and only when one was shown', () => {
    const quiet = terminal(200);
    quiet.line.clear();
    expect(quiet.written()).toBe('');
    const t = terminal(200);
    t.line.update(1, 30, 'running');
    t.line.clear();
    expect(t.shown()).toBe('');
  });
});
