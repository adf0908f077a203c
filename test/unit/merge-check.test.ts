import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMergeCommand } from '../../src/commands/merge.js';

/** A check shard's report as `chatcheck check --shard I/2 --json` writes it (the parts merging reads). */
function checkShard(index: number, races: number[], findings: { mode: string; kind: string; replay: string }[] = [], seed = 3) {
  return {
    version: 2,
    ok: findings.length === 0,
    interrupted: false,
    findings,
    knownFindings: [{ mode: 'race', id: 'delete-complete-lock-order' }],
    stats: {
      command: 'check',
      queryCalls: 40,
      sequential: { runs: 25, executions: 25, commands: 100 * index, durationMs: 1000, seed, coverage: { 'query A': index, [`query ${index}`]: 1 } },
      race: { seed, schedules: races.length * 2, durationMs: 500, races: races.map((i) => ({ index: i, pair: `race ${i}` })) },
      shard: { index, count: 2 },
    },
  };
}

async function withReports(files: Record<string, unknown>, body: (at: (name: string) => string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'chatcheck-merge-check-'));
  try {
    for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), JSON.stringify(content));
    await body((name) => path.join(dir, name));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('chatcheck merge of check shards', () => {
  it('is one check run: findings in shard order, known findings once, the work summed, every race in the run order', async () => {
    const one = checkShard(1, [0, 2], [{ mode: 'sequential', kind: 'divergence', replay: 'r1' }]);
    const two = checkShard(2, [1, 3], [{ mode: 'race', kind: 'deadlock', replay: 'r2' }]);
    await withReports({ '1.json': one, '2.json': two }, async (at) => {
      const printed: string[] = [];
      const code = await runMergeCommand([at('2.json'), at('1.json')], { json: at('all.json') }, (line) => printed.push(line));
      expect(code).toBe(1);
      expect(printed).toContain('finding: sequential divergence (replay: r1)');
      const merged = JSON.parse(await readFile(at('all.json'), 'utf8')) as Record<string, any>;
      expect(merged.ok).toBe(false);
      expect(merged.findings.map((finding: { replay: string }) => finding.replay)).toEqual(['r1', 'r2']);
      expect(merged.knownFindings).toHaveLength(1);
      expect(merged.stats).toMatchObject({ command: 'merge', merged: 'check', shards: 2, queryCalls: 40 });
      expect(merged.stats.sequential).toMatchObject({ runs: 50, commands: 300, durationMs: 2000, commandsPerSecond: 150, seed: 3, coverage: { 'query A': 3, 'query 1': 1, 'query 2': 1 } });
      expect(merged.stats.race).toMatchObject({ seed: 3, schedules: 8, durationMs: 1000 });
      expect(merged.stats.race.races.map((race: { index: number }) => race.index)).toEqual([0, 1, 2, 3]);
    });
  });

  it('refuses shards of different seeds, and a check report with a mutate report', async () => {
    const mutate = { version: 2, ok: true, interrupted: false, findings: [], knownFindings: [], mutants: [], stats: { command: 'mutate', seed: 3, seeds: 1, catalogue: 3, shard: { index: 2, count: 2 } } };
    await withReports({ '1.json': checkShard(1, [0]), '2.json': checkShard(2, [1], [], 4), 'm.json': mutate }, async (at) => {
      await expect(runMergeCommand([at('1.json'), at('2.json')], {}, () => {})).rejects.toThrow(/not shards of one run: their seed differs \(4 and 3\)/);
      await expect(runMergeCommand([at('1.json'), at('m.json')], {}, () => {})).rejects.toThrow(/not shards of one run: one is a mutate report, the other a check report/);
    });
  });
});
