import { writeFile } from 'node:fs/promises';
import { SetupError } from './errors.js';

/**
 * The --json report. Its shape is part of the CLI contract: `version` changes when a field changes
 * meaning. Later commands fill `findings` and `knownFindings`; `stats` is per command.
 */
export interface JsonReport {
  readonly version: 1;
  readonly ok: boolean;
  readonly findings: readonly unknown[];
  readonly knownFindings: readonly unknown[];
  readonly stats: Readonly<Record<string, unknown>>;
}

export async function writeJsonReport(file: string, report: JsonReport): Promise<void> {
  try {
    await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  } catch (error) {
    throw new SetupError(`cannot write the JSON report to ${file}: ${(error as Error).message}`, 'pass a --json path in a writable directory');
  }
}

/**
 * A value as plain JSON for reports: real UUIDs and timestamps as their text, model times as
 * `t<tick>`, elapsed times as `ms(tA→tB)`; everything else as it is.
 */
export function plain(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(plain);
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (prototype !== Object.prototype && prototype !== null) return String(value);
  return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, plain(member)]));
}
