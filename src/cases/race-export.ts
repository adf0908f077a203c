/**
 * `chatcheck replay CASE.json --psql FILE` for a race case: the schedule as an isolation-tester spec
 * (FILE) and, beside it, a bash script that plays the same steps with psql sessions (FILE with its
 * extension replaced by `.sh`), for someone without Node. Both are made from one run of the case's
 * schedule on a fresh copy of the migrated schema, recorded at the wire (isolation-recording.ts).
 */
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SetupError } from '../errors.js';
import type { Testbed } from '../postgres/testbed.js';
import type { QuerySet } from '../sqlc/loader.js';
import type { RaceCase } from './case-file.js';
import { recordIsolation, type IsolationRecording } from './isolation-recording.js';
import { isolationScenario } from './isolation-scenario.js';
import { renderIsolationSpec } from './isolation-spec.js';
import { renderRaceScript } from './race-script.js';

/** Writes the spec to `file` and the script beside it; returns the paths written (spec, then script). */
export async function exportRace(testbed: Testbed, queries: QuerySet, raceCase: RaceCase, file: string): Promise<string[]> {
  raceScriptPath(file);
  return writeRaceExport(await recordIsolation(testbed, queries, raceCase), raceCase, file);
}

/** Writes a recorded schedule of `raceCase` as the spec (`file`) and the script beside it; returns both paths. */
export async function writeRaceExport(recording: IsolationRecording, raceCase: RaceCase, file: string): Promise<string[]> {
  const script = raceScriptPath(file);
  const scenario = isolationScenario(recording, raceCase);
  await writeFile(file, renderIsolationSpec(scenario, path.basename(file)));
  await writeFile(script, renderRaceScript(scenario, path.basename(script), path.basename(file)));
  await chmod(script, 0o755);
  return [file, script];
}

/** Where the script goes: `file` with its extension replaced by `.sh` (one added when it has none). */
export function raceScriptPath(file: string): string {
  const { dir, name, ext } = path.parse(file);
  if (ext === '.sh') {
    throw new SetupError(`--psql ${file}: for a race case that file is the isolation spec, and the psql script goes beside it with the extension .sh — the same file`, 'give the spec another extension, e.g. --psql case.spec (the script is then case.sh)');
  }
  return path.join(dir, `${name}.sh`);
}
