import type { Lifecycle } from './lifecycle.js';

/** The most often a progress line is rewritten: ten times a second. */
const INTERVAL_MS = 100;

/** `3m 05s`, `42s`: time left, as a person reads it. */
export function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
}

/**
 * A live line on a terminal — `mutate: 37/150 done, about 2m 10s left` — rewritten in place at most
 * every INTERVAL_MS; nothing at all when stdout is not a terminal (a CI log keeps the summary lines
 * only), nor once the run is interrupted. `clear` erases it before the summary is printed.
 */
export function progressMeter(
  label: string,
  total: number,
  lifecycle: Pick<Lifecycle, 'interruptedBy'>,
  out: { isTTY?: boolean; write(text: string): unknown } = process.stdout,
  now: () => number = () => performance.now(),
) {
  const started = now();
  let done = 0;
  let last = -Infinity;
  let shown = false;
  const live = out.isTTY === true;
  return {
    tick(): void {
      done++;
      const time = now();
      if (!live || lifecycle.interruptedBy !== undefined || time - last < INTERVAL_MS) return;
      last = time;
      shown = true;
      const left = done === 0 ? '' : `, about ${duration(((time - started) / done) * (total - done))} left`;
      out.write(`\r${label}: ${done}/${total} done${left}\x1b[K`);
    },
    clear(): void {
      if (shown) out.write('\r\x1b[K');
      shown = false;
    },
  };
}
