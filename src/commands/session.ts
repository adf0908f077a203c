import { Lifecycle, signalExitCode } from '../lifecycle.js';

/** What a command does when SIGINT/SIGTERM interrupts it (besides releasing what it created). */
export interface OnInterrupt {
  /** At the signal: stop reporting (the interrupted work goes on until the exit, and says nothing). */
  readonly stop?: () => void;
  /** Once everything is released, before the exit: e.g. write the report of an interrupted run. */
  readonly afterRelease?: () => Promise<void>;
}

/**
 * Runs a command body inside a lifecycle: whatever the body creates is released when it returns,
 * throws, or the process gets SIGINT/SIGTERM. An interruption is never a finding: after a signal
 * the handler owns the exit (code 130/143, once everything is released), says so in one line, and
 * nothing more is reported — what the torn-down connections make the body throw, print or reject
 * is noise. Prints what could not be released, since that is something left behind.
 */
export async function withLifecycle<T>(body: (lifecycle: Lifecycle) => Promise<T>, onInterrupt: OnInterrupt = {}): Promise<T> {
  const lifecycle = new Lifecycle();
  const stopListening = lifecycle.exitOnSignals(
    (signal) => {
      onInterrupt.stop?.();
      process.on('unhandledRejection', () => {});
      // Erase a live progress line, so the message starts a line of its own.
      if (process.stdout.isTTY) process.stdout.write('\r\x1b[K');
      process.stderr.write(`chatcheck: ${signal}: dropping what this run created, then exiting with code ${signalExitCode(signal)} (an interrupted run reports no findings)\n`);
    },
    async () => onInterrupt.afterRelease?.(),
  );
  const outcome = await body(lifecycle).then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (lifecycle.interruptedBy) await new Promise<never>(() => {});
  const failures = await lifecycle.close();
  stopListening();
  for (const failure of failures) process.stderr.write(`chatcheck: could not release ${failure}\n`);
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}
