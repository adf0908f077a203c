import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CaseFile } from '../../src/cases/case-file.js';
import { parseCase } from '../../src/cases/read-case.js';
import { replayRaceCase, replaySequentialCase, type ReplayOutcome } from '../../src/cases/replay-case.js';
import { bundledQueryFiles, packageRoot } from '../../src/paths.js';
import { withTesterConnection } from '../support/database.js';
import { withEditedFiles } from '../support/mutant.js';
import { withRaceRunner } from '../support/race.js';

/**
 * Every case file in test/regressions/ replayed with the outcome it must have (its `regression`
 * member; without one: it reproduces on the bundled queries). Adding a case is dropping a file
 * there: see test/regressions/README.md.
 */
const dir = path.join(packageRoot, 'test', 'regressions');

interface RegressionRun {
  /** The bundled query files, or one of them edited: `from` replaced by `to`. */
  readonly queries: 'bundled' | { readonly edit: 'chat.sql' | 'tasks.sql'; readonly from: string; readonly to: string };
  /** 1: it reproduces (replay exits 1); 0: it does not. */
  readonly exit: 0 | 1;
  /** The exact outcome, when `exit` alone says too little (0 is `gone`, `different` or `unfit`). */
  readonly outcome?: ReplayOutcome;
}

const files = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
const cases = files.map((name) => {
  const text = readFileSync(path.join(dir, name), 'utf8');
  const regression = (JSON.parse(text) as { regression?: { runs?: RegressionRun[] } }).regression;
  return { name, text, runs: regression?.runs ?? [{ queries: 'bundled', exit: 1 } satisfies RegressionRun] };
});

/** Replays `caseFile` on the query files `files`, as `chatcheck replay` does; the outcome. */
async function replay(caseFile: CaseFile, files: readonly string[]): Promise<ReplayOutcome> {
  if (caseFile.mode === 'sequential') {
    let outcome: ReplayOutcome | undefined;
    await withTesterConnection(async (connection, queries) => {
      outcome = (await replaySequentialCase(connection, queries, caseFile)).outcome;
    }, files);
    return outcome!;
  }
  return withRaceRunner(async (runner) => (await replayRaceCase(runner, caseFile)).outcome, files, { overlap: caseFile.overlap, timeoutMs: 10_000 });
}

describe('test/regressions: every case replays with the outcome it must have', () => {
  it('holds at least the planted bugs and the known findings', () => {
    expect(cases.length).toBeGreaterThanOrEqual(11);
  });

  for (const { name, text, runs } of cases) {
    for (const run of runs) {
      const on = run.queries === 'bundled' ? 'the bundled queries' : `${run.queries.edit} edited`;
      it(`${name} on ${on}: exit ${run.exit}`, async () => {
        const caseFile = parseCase(text, name);
        let outcome: ReplayOutcome;
        if (run.queries === 'bundled') outcome = await replay(caseFile, bundledQueryFiles);
        else {
          const { edit, from, to } = run.queries;
          let edited: ReplayOutcome | undefined;
          await withEditedFiles(edit === 'chat.sql' ? 'chat' : 'tasks', from, to, async (queryFiles) => {
            edited = await replay(caseFile, queryFiles);
          });
          outcome = edited!;
        }
        expect(outcome === 'reproduced' ? 1 : 0).toBe(run.exit);
        if (run.outcome !== undefined) expect(outcome).toBe(run.outcome);
      });
    }
  }
});
