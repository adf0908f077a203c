/** A run shorter than this shows no progress line at all: its summary follows at once. */
export const SHOW_AFTER_MS = 2000;
/** The most often the line is rewritten on an update: ten times a second. */
const UPDATE_MS = 100;
/** Between updates the line is redrawn once a second, so it appears on time and the time left counts down. */
const REDRAW_MS = 1000;

/** Where the line is drawn: stdout, or a fake terminal in a test. */
export interface ProgressOutput {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * Whether a run draws a live line: only on a terminal that can erase a line (TERM=dumb cannot),
 * and not with --quiet. Piped output — a CI log — keeps the summary lines only.
 */
export function progressShown(quiet: boolean, out: ProgressOutput = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  return !quiet && out.isTTY === true && env.TERM !== 'dumb';
}

/** `3m 05s`, `42s`: time left, as a person reads it. */
export function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
}

export interface ProgressMeter {
  /** `done` of `total` finished; `detail` follows the count (`912 commands`). */
  update(done: number, total: number, detail?: string): void;
  /** A phase with no count to show (sequential shrinking): the line says `text`, without time left. */
  status(text: string): void;
  /** Erases the line, before anything else is printed; a later update draws it again. */
  clear(): void;
}

export interface ProgressOptions {
  /** Draw at all (see progressShown); when false the meter writes nothing, ever. */
  readonly live: boolean;
  /** True once the run is interrupted: the signal's line is the last word, nothing is drawn after it. */
  readonly stopped?: () => boolean;
  readonly out?: ProgressOutput;
  readonly now?: () => number;
  /** Calls `redraw` every `ms` until the returned function is called; by default an unref'd interval. */
  readonly every?: (redraw: () => void, ms: number) => () => void;
}

const interval = (redraw: () => void, ms: number): (() => void) => {
  const timer = setInterval(redraw, ms);
  timer.unref();
  return () => clearInterval(timer);
};

/**
 * The live line of every long command — `race: 12/67 races, about 1m 10s left` — rewritten in
 * place on a terminal, shown only once the run has taken SHOW_AFTER_MS. The time left assumes the
 * rest goes at the rate so far, counted from the last update, so between updates it counts down.
 */
export function progressMeter(label: string, noun: string, options: ProgressOptions): ProgressMeter {
  const { live, stopped = () => false, out = process.stdout, now = () => performance.now(), every = interval } = options;
  const started = now();
  let state: { done: number; total: number; detail?: string | undefined; at: number } | undefined;
  let phase: string | undefined;
  let drawn = -Infinity;
  let shown = false;
  let cancel: (() => void) | undefined;

  const text = (time: number): string => {
    if (phase !== undefined) return `${label}: ${phase}`;
    if (state === undefined) return `${label}: starting`;
    const { done, total, detail, at } = state;
    let left = '';
    if (done > 0 && done < total) {
      const remaining = at + ((at - started) / done) * (total - done) - time;
      left = remaining >= 1000 ? `, about ${duration(remaining)} left` : ', almost done';
    }
    return `${label}: ${done}/${total} ${noun}${detail ? `, ${detail}` : ''}${left}`;
  };

  /** On an update (`throttled`), at most every UPDATE_MS; the timer's redraws do not count. */
  const draw = (throttled: boolean): void => {
    const time = now();
    if (stopped() || time - started < SHOW_AFTER_MS || (throttled && time - drawn < UPDATE_MS)) return;
    if (throttled) drawn = time;
    shown = true;
    out.write(`\r${text(time)}\x1b[K`);
  };

  const changed = (): void => {
    if (!live) return;
    cancel ??= every(() => draw(false), REDRAW_MS);
    draw(true);
  };

  return {
    update(done, total, detail) {
      state = { done, total, detail, at: now() };
      phase = undefined;
      changed();
    },
    status(line) {
      phase = line;
      changed();
    },
    clear() {
      cancel?.();
      cancel = undefined;
      if (shown && !stopped()) out.write('\r\x1b[K');
      shown = false;
    },
  };
}
