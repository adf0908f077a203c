import { describe, expect, it } from 'vitest';
import { sequentialProgress } from '../../src/commands/sequential.js';
import { duration, progressMeter, progressShown, SHOW_AFTER_MS } from '../../src/progress.js';

/** A meter on a fake terminal, a fake clock and a fake redraw timer. */
function terminal(options: { live?: boolean; label?: string; noun?: string } = {}) {
  let text = '';
  let clock = 0;
  let stopped = false;
  /** Each redraw timer and when it fires next: once a second from when it was set, as setInterval does. */
  const timers = new Map<() => void, number>();
  const meter = progressMeter(options.label ?? 'race', options.noun ?? 'races', {
    live: options.live ?? true,
    stopped: () => stopped,
    out: { isTTY: true, write: (chunk: string) => (text += chunk) },
    now: () => clock,
    every: (redraw, ms) => {
      expect(ms).toBe(1000);
      timers.set(redraw, clock + ms);
      return () => timers.delete(redraw);
    },
  });
  return {
    meter,
    /** Moves the clock on, firing each redraw timer whenever it is due. */
    wait(ms: number) {
      const end = clock + ms;
      for (;;) {
        const due = [...timers].filter(([, at]) => at <= end).sort(([, a], [, b]) => a - b)[0];
        if (due === undefined) break;
        const [redraw, at] = due;
        clock = at;
        timers.set(redraw, at + 1000);
        redraw();
      }
      clock = end;
    },
    interrupt: () => (stopped = true),
    timers: () => timers.size,
    /** What the terminal shows: the text after the last carriage return, the erase code removed. */
    shown: () => text.slice(text.lastIndexOf('\r') + 1).replace(/\x1b\[K/g, ''),
    written: () => text,
  };
}

describe('whether a run draws a progress line', () => {
  it('only on a terminal that can erase a line, and not with --quiet', () => {
    const tty = { isTTY: true, write: () => true };
    const pipe = { isTTY: false, write: () => true };
    expect(progressShown(false, tty, {})).toBe(true);
    expect(progressShown(false, pipe, {})).toBe(false);
    expect(progressShown(true, tty, {})).toBe(false);
    expect(progressShown(false, tty, { TERM: 'dumb' })).toBe(false);
    expect(progressShown(false, tty, { TERM: 'xterm-256color', NO_COLOR: '1' })).toBe(true);
  });
});

describe('the progress meter', () => {
  it('draws nothing in the first 2 s, then done, total and the time left, on one line', () => {
    const t = terminal();
    t.meter.update(0, 10);
    t.wait(1000);
    t.meter.update(1, 10);
    t.wait(900);
    expect(t.written()).toBe('');
    t.wait(100);
    // The redraw at 2 s: 1 race in 1 s, 9 left.
    expect(t.shown()).toBe('race: 1/10 races, about 8s left');
    t.wait(100);
    t.meter.update(4, 10);
    expect(t.shown()).toBe('race: 4/10 races, about 3s left');
    expect(t.written()).not.toContain('\n');
    expect(SHOW_AFTER_MS).toBe(2000);
  });

  it('counts the time left down between updates, and says when it is about done', () => {
    const t = terminal({ label: 'mutate', noun: 'trials' });
    t.meter.update(0, 4);
    t.wait(10_000);
    expect(t.shown()).toBe('mutate: 0/4 trials');
    t.meter.update(1, 4);
    expect(t.shown()).toBe('mutate: 1/4 trials, about 30s left');
    t.wait(10_000);
    expect(t.shown()).toBe('mutate: 1/4 trials, about 20s left');
    t.wait(25_000);
    expect(t.shown()).toBe('mutate: 1/4 trials, almost done');
    t.meter.update(4, 4);
    expect(t.shown()).toBe('mutate: 4/4 trials');
  });

  it('shows a detail after the count, and a phase with no count in place of it', () => {
    const t = terminal({ label: 'sequential', noun: 'runs' });
    t.wait(3000);
    t.meter.update(30, 200, '912 commands');
    expect(t.shown()).toMatch(/^sequential: 30\/200 runs, 912 commands, about \d+s left$/);
    t.wait(100);
    t.meter.status('run 31/200 failed, shrinking (0 tries)');
    expect(t.shown()).toBe('sequential: run 31/200 failed, shrinking (0 tries)');
  });

  it('rewrites at most ten times a second on updates', () => {
    const t = terminal();
    t.wait(2000);
    t.meter.update(1, 100);
    t.wait(50);
    t.meter.update(2, 100);
    expect(t.shown()).toMatch(/^race: 1\/100 races/);
    t.wait(50);
    t.meter.update(3, 100);
    expect(t.shown()).toMatch(/^race: 3\/100 races/);
  });

  it('erases the line only when it drew one, stops its timer, and draws again on a later update', () => {
    const early = terminal();
    early.meter.update(1, 10);
    early.meter.clear();
    expect(early.written()).toBe('');
    expect(early.timers()).toBe(0);

    const t = terminal();
    t.meter.update(1, 10);
    t.wait(2000);
    t.meter.clear();
    expect(t.shown()).toBe('');
    expect(t.timers()).toBe(0);
    t.wait(5000);
    expect(t.shown()).toBe('');
    t.meter.update(2, 10);
    expect(t.shown()).toMatch(/^race: 2\/10 races/);
    t.meter.clear();
  });

  it('writes nothing when not live (piped, --quiet), and nothing once the run is interrupted', () => {
    const piped = terminal({ live: false });
    piped.meter.update(1, 10);
    piped.wait(5000);
    piped.meter.update(2, 10);
    piped.meter.clear();
    expect(piped.written()).toBe('');
    expect(piped.timers()).toBe(0);

    const t = terminal();
    t.meter.update(1, 10);
    t.wait(2000);
    const before = t.written();
    t.interrupt();
    t.meter.update(2, 10);
    t.wait(3000);
    t.meter.clear();
    expect(t.written()).toBe(before);
  });

  it('writes time left as a person reads it', () => {
    expect(duration(42_400)).toBe('42s');
    expect(duration(185_000)).toBe('3m 05s');
    expect(duration(-5)).toBe('0s');
  });
});

describe('the progress line of the sequential property', () => {
  it('counts runs and commands, then which run failed, shrinking, then the search for a shorter case', () => {
    const t = terminal({ label: 'sequential', noun: 'runs' });
    const update = sequentialProgress(t.meter, 200);
    update(1, 30, 'running');
    t.wait(2000);
    update(37, 912, 'running');
    expect(t.shown()).toMatch(/^sequential: 37\/200 runs, 912 commands, about \d+s left$/);
    t.wait(100);
    update(91, 2000, 'shrinking');
    expect(t.shown()).toBe('sequential: run 91/200 failed, shrinking (0 tries), 2000 commands');
    t.wait(100);
    update(103, 2400, 'shrinking');
    expect(t.shown()).toBe('sequential: run 91/200 failed, shrinking (12 tries), 2400 commands');
    t.wait(100);
    update(143, 2900, 'searching');
    expect(t.shown()).toBe('sequential: run 91/200 failed, looking for a shorter case (52 tries), 2900 commands');
  });
});
