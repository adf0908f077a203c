import { describe, expect, it } from 'vitest';
import { CHUNK_RUNS, combineChunks, combinedProgress, sequentialChunks } from '../../src/sequential/chunks.js';
import type { SequentialFinding, SequentialReport } from '../../src/sequential/property.js';

/** A chunk's report: `runs` runs of 10 commands each, one coverage key, and a finding when `failed`. */
function chunkReport(runs: number, failed = false): SequentialReport {
  const report = { runs, executions: failed ? runs + 5 : runs, commands: runs * 10, durationMs: 1, seed: runs, coverage: new Map([['query A', runs]]) };
  return failed ? { ...report, finding: { kind: 'divergence', summary: `failed after ${runs}`, commands: [], replay: { seed: runs, path: '0', caseHash: '', maxCommands: 50, turns: true } } satisfies SequentialFinding } : report;
}

describe('the chunks of a sequential run', () => {
  it('are fixed by the runs and the seed: chunks of 25, the last one shorter, the first with the run seed, each other with its own', () => {
    expect(sequentialChunks(60, 7).map((chunk) => chunk.runs)).toEqual([CHUNK_RUNS, CHUNK_RUNS, 10]);
    expect(sequentialChunks(200, 7)).toHaveLength(8);
    // A chunk's seed depends on the run's seed and its index only, not on how many chunks there are.
    expect(sequentialChunks(60, 7).map((chunk) => chunk.seed)).toEqual(sequentialChunks(200, 7).slice(0, 3).map((chunk) => chunk.seed));
    const seeds = sequentialChunks(200, 7).map((chunk) => chunk.seed);
    expect(new Set(seeds).size).toBe(8);
    expect(seeds.every((seed) => Number.isInteger(seed) && Math.abs(seed) < 2 ** 31)).toBe(true);
    expect(seeds[0]).toBe(7);
    expect(sequentialChunks(50, 8)[1]!.seed).not.toBe(sequentialChunks(50, 7)[1]!.seed);
  });

  it('report the lowest failing chunk, counting the chunks up to it only', () => {
    const combined = combineChunks([chunkReport(25), chunkReport(3, true), chunkReport(7, true), undefined], 42, 1000);
    expect(combined.finding?.summary).toBe('failed after 3');
    expect(combined).toMatchObject({ runs: 28, executions: 33, commands: 280, seed: 42, durationMs: 1000 });
    expect(combined.coverage.get('query A')).toBe(28);
  });

  it('count every chunk when none failed, and refuse a result with a chunk missing before the failing one', () => {
    expect(combineChunks([chunkReport(25), chunkReport(10)], 1, 5)).toMatchObject({ runs: 35, commands: 350 });
    expect(combineChunks([chunkReport(25), chunkReport(10)], 1, 5).finding).toBeUndefined();
    expect(() => combineChunks([undefined, chunkReport(4, true)], 1, 5)).toThrow(/before the first failing one did not run/);
  });

  it('add up their progress, in the furthest phase any of them reached', () => {
    const seen: string[] = [];
    const progress = combinedProgress((runs, commands, phase) => seen.push(`${runs} ${commands} ${phase}`));
    progress(0, { runsDone: 3, commands: 30, phase: 'running' });
    progress(1, { runsDone: 2, commands: 20, phase: 'shrinking' });
    progress(0, { runsDone: 4, commands: 40, phase: 'running' });
    expect(seen).toEqual(['3 30 running', '5 50 shrinking', '6 60 shrinking']);
  });
});
