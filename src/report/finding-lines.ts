import { raceFindingLines, raceVerdictLines, type RaceFindingText } from '../race/race-report.js';
import type { SequentialFinding } from '../sequential/property.js';
import { plain } from './plain.js';

/** What of a sequential finding (or of its JSON, findingJson) its text is made from. */
export type SequentialFindingText = Pick<SequentialFinding, 'kind' | 'summary' | 'commands' | 'divergence' | 'invariant'>;

/**
 * A finding's shrunk counterexample as the CLI prints it, made from the finding's JSON (either
 * mode): the JUnit report's failures carry exactly these lines.
 */
export function findingLines(finding: Readonly<Record<string, unknown>>): string[] {
  return finding.mode === 'race' ? raceFindingLines(finding as unknown as RaceFindingText) : sequentialFindingLines(finding as unknown as SequentialFindingText);
}

/** A finding in one line: its kind and what went wrong (`divergence: …`, `invariant in schedule AAB: …`). */
export function findingHeadline(finding: Readonly<Record<string, unknown>>): string {
  if (finding.mode === 'race') {
    const text = finding as unknown as RaceFindingText & { schedule: string };
    return `${text.kind} in schedule ${text.schedule || '(serial)'}: ${raceVerdictLines(text)[0] ?? ''}`;
  }
  const { kind, summary } = finding as unknown as SequentialFindingText;
  return `${kind}: ${String(summary).split('\n')[0]}`;
}

/** The shrunk commands, numbered, then where and how the model and PostgreSQL parted. */
export function sequentialFindingLines(finding: SequentialFindingText): string[] {
  const lines = finding.commands.map((command, i) => `${String(i + 1).padStart(2)}. ${command}`);
  if (finding.divergence) {
    const { where, path, model, real, why } = finding.divergence;
    lines.push(`diverged at ${where}, ${path}: ${why}`);
    lines.push(`  model:      ${JSON.stringify(plain(model))}`);
    lines.push(`  PostgreSQL: ${JSON.stringify(plain(real))}`);
  } else if (finding.invariant) {
    const { name, rule, rows } = finding.invariant;
    lines.push(`PostgreSQL broke "${name}": ${rule}`);
    for (const group of rows) lines.push(`  ${group.join(', ')}`);
  } else {
    lines.push(...finding.summary.split('\n'));
  }
  return lines;
}
