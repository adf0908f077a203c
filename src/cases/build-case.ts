import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../paths.js';
import type { KnownFinding } from '../race/known-findings.js';
import type { RaceSummary } from '../race/race-report.js';
import { plain } from '../report/plain.js';
import type { SequentialFinding } from '../sequential/property.js';
import { CASE_VERSION, type CaseFile, type CaseInputs, type RaceCase, type SequentialCase } from './case-file.js';
import { encodeCommand } from './case-values.js';

let recordedBy: string | undefined;

/** `chatcheck 0.1.0`: which chatcheck wrote a case. */
function chatcheckVersion(): string {
  recordedBy ??= `chatcheck ${(JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version}`;
  return recordedBy;
}

function base(inputs: CaseInputs) {
  return { format: 'chatcheck-case' as const, version: CASE_VERSION as typeof CASE_VERSION, recordedBy: chatcheckVersion(), recordedAt: new Date().toISOString(), inputs };
}

/**
 * A sequential finding as a case: its shrunk commands as data, from the starting world every run
 * begins in. Undefined for a finding without its commands as data (one made by hand).
 */
export function sequentialCase(finding: Omit<SequentialFinding, 'replay'>, stateEvery: number, inputs: CaseInputs): SequentialCase | undefined {
  if (finding.steps === undefined || finding.steps.length === 0) return undefined;
  return {
    ...base(inputs),
    mode: 'sequential',
    expected: {
      kind: finding.kind,
      command: finding.steps.length - 1,
      ...(finding.invariant ? { invariant: finding.invariant.name } : {}),
      summary: finding.summary.split('\n')[0]!,
    },
    observed: plain({ commands: finding.commands, ...(finding.divergence ? { divergence: finding.divergence } : {}), ...(finding.invariant ? { invariant: finding.invariant } : {}) }),
    commands: finding.steps,
    stateEvery,
  };
}

/** A race finding as a case: the race, its variants and the schedule that shows it, and the oracle's verdict. */
export function raceCase(race: RaceSummary, overlap: boolean, inputs: CaseInputs): RaceCase | undefined {
  const finding = race.finding;
  if (finding === undefined) return undefined;
  const { mode: _mode, kind: _kind, replay: _replay, ...observed } = finding.json as Record<string, unknown>;
  const invariant = (finding.json['verdict'] as { invariant?: { name?: unknown } } | undefined)?.invariant?.name;
  return {
    ...base(inputs),
    mode: 'race',
    expected: {
      kind: finding.kind,
      ...(typeof invariant === 'string' ? { invariant } : {}),
      summary: `${finding.kind} in race ${race.pair.join(',')}${race.variants.length > 0 ? ` (${race.variants.join(', ')})` : ''}, schedule ${finding.schedule || '(serial)'}`,
    },
    observed: plain(observed),
    pair: race.pair,
    variants: race.variants,
    schedule: finding.schedule,
    overlap,
  };
}

/** A known finding of the bundled queries (known-findings.ts) as a case: it must replay as long as the defect is there. */
export function knownFindingCase(known: KnownFinding, inputs: CaseInputs): RaceCase {
  return {
    ...base(inputs),
    mode: 'race',
    expected: {
      kind: known.kind,
      ...('invariant' in known.anomaly ? { invariant: known.anomaly.invariant } : {}),
      known: known.id,
      summary: `known finding ${known.id}: ${known.kind} in race ${known.race.join(',')}, schedule ${known.schedule}`,
    },
    observed: plain({ what: known.what, fix: known.fix, anomaly: known.anomaly }),
    pair: known.race,
    variants: known.variants,
    schedule: known.schedule,
    overlap: true,
  };
}

/** A case as its file holds it: plain JSON, the commands' literals in their tagged form (case-values.ts). */
export function caseJson(caseFile: CaseFile): Record<string, unknown> {
  if (caseFile.mode === 'race') return plain(caseFile) as Record<string, unknown>;
  const { commands, ...rest } = caseFile;
  return { ...(plain(rest) as Record<string, unknown>), commands: commands.map(encodeCommand) };
}

/**
 * A stable, readable file name for a case: its mode, its kind and 8 hex digits of what it replays
 * (the commands or the race and schedule, and what it expects), so the same finding saved twice
 * lands in the same file and two findings never share one.
 */
export function caseFileName(caseJsonValue: Readonly<Record<string, unknown>>): string {
  const { format: _format, recordedAt: _at, recordedBy: _by, observed: _observed, inputs: _inputs, ...replayed } = caseJsonValue;
  const hash = createHash('sha256').update(JSON.stringify(replayed)).digest('hex').slice(0, 8);
  const kind = (caseJsonValue['expected'] as { kind?: unknown } | undefined)?.kind;
  return `${String(caseJsonValue['mode'])}-${typeof kind === 'string' ? kind : 'finding'}-${hash}.json`;
}
