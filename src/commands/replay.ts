import path from 'node:path';
import type { CaseFile, RaceCase, SequentialCase } from '../cases/case-file.js';
import { caseInputs } from '../cases/case-inputs.js';
import { exportRace, raceScriptPath } from '../cases/race-export.js';
import { readCase } from '../cases/read-case.js';
import { replayRaceCase, replaySequentialCase, type RaceReplay, type SequentialReplay } from '../cases/replay-case.js';
import { exportSequentialPsql } from '../cases/sequential-psql.js';
import { EXIT_CONFORMS, EXIT_FINDING } from '../exit-codes.js';
import type { Lifecycle } from '../lifecycle.js';
import type { RunOptions } from '../options.js';
import { checkOutputFiles } from '../outputs.js';
import type { Testbed } from '../postgres/testbed.js';
import { RaceRunner } from '../race/race-runner.js';
import { describeRaces } from '../race/race-report.js';
import { sequentialFindingLines } from '../report/finding-lines.js';
import { plain } from '../report/plain.js';
import { openRealConnection } from '../sequential/connection.js';
import type { QuerySet } from '../sqlc/loader.js';
import { SCHEDULE_TIMEOUT_MS } from './race.js';
import { shownInCommand, withTestbed } from './setup.js';

/** What `chatcheck replay` takes beyond the options every command takes. */
export interface ReplayOptions {
  /** --psql FILE: also write the case as plain SQL (sequential) or an isolation spec and a psql script (race). */
  readonly psql?: string | undefined;
}

/**
 * `chatcheck replay CASE.json`: runs a recorded finding again, on the queries and migrations given
 * (the bundled ones by default). Exit 1 while it reproduces (or another finding shows in its
 * place: it says so), 0 once it no longer does and nothing else shows, 2 when the
 * file cannot be read as a case (checked before any server starts). Warns, one line each on
 * stderr, when the query files or the migrations are not those the case was recorded on.
 */
export async function runReplayCommand(file: string, options: RunOptions, replay: ReplayOptions = {}, print: (line: string) => void = console.log): Promise<number> {
  const caseFile = await readCase(file);
  const psql = replay.psql === undefined ? undefined : path.resolve(replay.psql);
  // A race case writes a script beside the spec: both checked before any server starts.
  const script = psql !== undefined && caseFile.mode === 'race' ? raceScriptPath(psql) : undefined;
  await checkOutputFiles([
    { option: '--psql', file: psql },
    { option: '--psql (its script)', file: script },
  ]);
  const name = shownInCommand(file);
  return withTestbed('replay', options, print, async (testbed, { queries }, { lifecycle, report, print: say }) => {
    for (const line of inputWarnings(caseFile, options, name)) process.stderr.write(`${line}\n`);
    const result = caseFile.mode === 'sequential' ? await replaySequential(testbed, lifecycle, queries, caseFile, psql) : await replayRace(testbed, lifecycle, queries, caseFile, psql);
    const lines = caseFile.mode === 'sequential' ? describeSequentialReplay(name, caseFile, result as SequentialReplay) : describeRaceReplay(name, caseFile, result as RaceReplay);
    for (const line of lines) say(line);
    if (psql !== undefined) for (const written of result.written) say(`psql: wrote ${shownInCommand(written)}`);
    // Another finding than the one recorded is still a finding: exit 1, never "fixed".
    const reproduced = result.outcome === 'reproduced';
    const found = reproduced || result.outcome === 'different';
    await report.finish({
      ok: !found,
      findings: found ? [replayedFindingJson(caseFile, result)] : [],
      knownFindings: [],
      stats: { replay: { case: name, mode: caseFile.mode, outcome: result.outcome, expected: caseFile.expected } },
    });
    return found ? EXIT_FINDING : EXIT_CONFORMS;
  });
}

/** One line per input that is not what the case was recorded on. */
export function inputWarnings(caseFile: CaseFile, options: RunOptions, name: string): string[] {
  const now = caseInputs(options);
  const warnings: string[] = [];
  if (now.queries !== caseFile.inputs.queries) {
    warnings.push(`chatcheck: warning: the query files (${now.queryFiles.join(', ')}) are not those ${name} was recorded on (${caseFile.inputs.queryFiles.join(', ')}): their text differs`);
  }
  if (now.migrations !== caseFile.inputs.migrations) warnings.push(`chatcheck: warning: the migrations are not those ${name} was recorded on: their text differs`);
  return warnings;
}

async function replaySequential(testbed: Testbed, lifecycle: Lifecycle, queries: QuerySet, caseFile: SequentialCase, psql: string | undefined): Promise<SequentialReplay & { written: string[] }> {
  const connection = await openRealConnection(await testbed.copy('replay'), queries);
  lifecycle.hold('replay connection', () => connection.client.end());
  if (psql !== undefined) return exportSequentialPsql(connection, queries, caseFile, psql);
  return { ...(await replaySequentialCase(connection, queries, caseFile)), written: [] };
}

async function replayRace(testbed: Testbed, lifecycle: Lifecycle, queries: QuerySet, caseFile: RaceCase, psql: string | undefined): Promise<RaceReplay & { written: string[] }> {
  const runner = await RaceRunner.open(await testbed.copy('replay'), queries, { overlap: caseFile.overlap, timeoutMs: SCHEDULE_TIMEOUT_MS });
  lifecycle.hold('replay race connections', () => runner.close());
  const result = await replayRaceCase(runner, caseFile);
  const written = psql === undefined ? [] : await exportRace(testbed, queries, caseFile, psql);
  return { ...result, written };
}

/** What the case expects, in a few words: `divergence at command 3`, `invariant "…" at command 2`. */
function expectedText(caseFile: CaseFile): string {
  const { kind, command, invariant, known } = caseFile.expected;
  return `${kind}${invariant === undefined ? '' : ` "${invariant}"`}${command === undefined ? '' : ` at command ${command + 1}`}${known === undefined ? '' : ` (known finding ${known})`}`;
}

export function describeSequentialReplay(name: string, caseFile: SequentialCase, result: SequentialReplay): string[] {
  const count = `${caseFile.commands.length} command${caseFile.commands.length === 1 ? '' : 's'}`;
  if (result.outcome === 'gone') return [`replay: ${name} no longer reproduces: the ${count} ran and every comparison passed (it expected ${expectedText(caseFile)})`];
  const finding = result.finding!;
  const at = `${finding.kind}${finding.invariant ? ` "${finding.invariant.name}"` : ''} at command ${result.command! + 1}`;
  const head =
    result.outcome === 'reproduced'
      ? `replay: ${name}: ${at} of ${count}, reproduced:`
      : `replay: ${name} no longer reproduces as recorded: it expected ${expectedText(caseFile)}, and ${at} showed instead:`;
  return [head, ...sequentialFindingLines(finding).map((line) => `  ${line}`)];
}

export function describeRaceReplay(name: string, caseFile: RaceCase, result: RaceReplay): string[] {
  const race = `${caseFile.pair.join(',')}${caseFile.variants.length > 0 ? ` (${caseFile.variants.join(', ')})` : ''} in schedule ${caseFile.schedule || '(serial)'}`;
  if (result.outcome === 'unfit') return [`replay: ${name} no longer reproduces: the schedule no longer fits race ${race} (${result.why}): its statements changed`];
  if (result.outcome === 'gone') return [`replay: ${name} no longer reproduces: race ${race} conforms (it expected ${expectedText(caseFile)})`];
  const head = result.outcome === 'reproduced' ? `replay: ${name}: ${expectedText(caseFile)}, reproduced:` : `replay: ${name} no longer reproduces as recorded: it expected ${expectedText(caseFile)}, and race ${race} showed another finding:`;
  const replayLine = () => `npx chatcheck replay ${name}`;
  return [head, ...describeRaces([result.summary!], replayLine, false)];
}

/** The finding a replay reproduced, for --json: as the recording command's JSON has it, with the case. */
function replayedFindingJson(caseFile: CaseFile, result: SequentialReplay | RaceReplay): Record<string, unknown> {
  if (caseFile.mode === 'race') {
    const race = (result as RaceReplay).summary!;
    const found = race.finding?.json ?? { mode: 'race', kind: caseFile.expected.kind, known: race.known.map((known) => known.id) };
    return { ...found, schedule: caseFile.schedule };
  }
  const { steps: _steps, ...finding } = (result as SequentialReplay).finding!;
  return plain({ mode: 'sequential', ...finding, command: (result as SequentialReplay).command }) as Record<string, unknown>;
}
