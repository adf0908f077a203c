/**
 * Everything chatcheck creates outside its own memory — databases, an embedded server, a container,
 * temporary directories — is registered here the moment it exists, and released in reverse order
 * when the run ends: normally, on an error, or on SIGINT/SIGTERM. That is how "the tool drops what
 * it created" holds even when a person presses Ctrl-C in the middle of a run.
 */
export type Release = () => Promise<void>;

interface Held {
  readonly label: string;
  readonly release: Release;
}

export class Lifecycle {
  readonly #held: Held[] = [];
  readonly #failures: string[] = [];
  #closing: Promise<void> | undefined;
  #interruptedBy: NodeJS.Signals | undefined;

  /** Registers `release` to run once, at close, after everything registered later. */
  hold(label: string, release: Release): void {
    if (this.#closing) throw new Error(`cannot hold "${label}": the run is already closing`);
    this.#held.push({ label, release });
  }

  /** The signal that interrupted the run, if any: the caller stops reporting and exits with 128+n. */
  get interruptedBy(): NodeJS.Signals | undefined {
    return this.#interruptedBy;
  }

  /**
   * Releases everything, newest first. A release that fails does not stop the others; the failures
   * are returned so the caller can say what may have been left behind.
   */
  close(): Promise<string[]> {
    this.#closing ??= this.#releaseAll();
    return this.#closing.then(() => this.#failures);
  }

  async #releaseAll(): Promise<void> {
    while (this.#held.length > 0) {
      const { label, release } = this.#held.pop()!;
      try {
        await release();
      } catch (error) {
        this.#failures.push(`${label}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  /**
   * On SIGINT or SIGTERM: `onInterrupt`, then release everything, then `afterRelease`, then exit
   * with 128 + the signal number, as a shell would report it. A second signal while releasing exits
   * at once. Returns a function that removes the handlers.
   */
  exitOnSignals(onInterrupt: (signal: NodeJS.Signals) => void = () => {}, afterRelease: (signal: NodeJS.Signals) => Promise<void> = async () => {}): () => void {
    const handler = (signal: NodeJS.Signals): void => {
      const code = signalExitCode(signal);
      if (this.#interruptedBy) process.exit(code);
      this.#interruptedBy = signal;
      onInterrupt(signal);
      void this.close().then(async (failures) => {
        for (const failure of failures) process.stderr.write(`chatcheck: could not release ${failure}\n`);
        await afterRelease(signal).catch((error: unknown) => process.stderr.write(`chatcheck: ${error instanceof Error ? error.message : String(error)}\n`));
        process.exit(code);
      });
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  }
}

/** The exit code a shell reports for a process ended by `signal`: 128 + its number (SIGINT 130, SIGTERM 143). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1;
}
