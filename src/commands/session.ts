import { Lifecycle } from '../lifecycle.js';

/**
 * Runs a command body inside a lifecycle: whatever the body creates is released when it returns,
 * throws, or the process gets SIGINT/SIGTERM. After a signal the handler owns the exit (code
 * 130/143, once everything is released) and nothing more is reported: errors from connections it
 * tore down are noise. Prints what could not be released, since that is something left behind.
 */
export async function withLifecycle<T>(body: (lifecycle: Lifecycle) => Promise<T>): Promise<T> {
  const lifecycle = new Lifecycle();
  const stopListening = lifecycle.exitOnSignals((signal) => {
    process.stderr.write(`chatcheck: ${signal}: dropping what this run created, then exiting\n`);
  });
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
