import { describe, expect, it } from 'vitest';
import { workflowNames, type WorkflowName } from '../../model/workflows/index.js';
import { explore } from '../../src/race/exploration.js';
import { raceWorkflow, racingWorkflows, type RacingWorkflow } from '../../src/race/race-workflows.js';
import { renderTimeline } from '../../src/race/timeline.js';
import type { WorkflowMutant } from '../../src/mutate/mutant.js';
import { unchangedCopies } from '../../src/mutate/workflow-handwritten.js';
import { workflowMutants } from '../../src/mutate/workflow-mutants.js';
import { catalogueWorkflow } from '../../src/mutate/workflow-transformers.js';
import type { RealWorkflows } from '../../src/sequential/free-run.js';
import { runSequential } from '../../src/sequential/property.js';
import { withTesterConnection } from '../support/database.js';
import { withRaceRunner } from '../support/race.js';

/** The default budget of `chatcheck sequential` (src/commands/sequential.ts). */
const DEFAULT = { runs: 200, maxCommands: 50 } as const;
const everyInterleaving = { kind: 'exhaustive', budget: Infinity } as const;

function mutantOf(id: string): WorkflowMutant {
  const found = workflowMutants.find((mutant) => mutant.id === id);
  if (found === undefined) throw new Error(`no workflow mutant ${id}`);
  return found;
}

const onPostgres = (mutant: WorkflowMutant): RealWorkflows => new Map([[mutant.of, mutant.program]]);

describe('the workflow mutants', () => {
  it('are at least 25, each with a stable id workflow:<Workflow>:<change> of its own and a one-line description', () => {
    expect(workflowMutants.length).toBeGreaterThanOrEqual(25);
    const ids = workflowMutants.map((mutant) => mutant.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const mutant of workflowMutants) {
      expect(mutant.family).toBe('workflow');
      expect(workflowNames).toContain(mutant.of);
      expect(mutant.id).toMatch(new RegExp(`^workflow:${mutant.of}:[a-z]+(-[a-z]+)*$`));
      expect(mutant.description).toMatch(/^\S.*\S$/);
      expect(mutant.description).not.toContain('\n');
    }
  });
});

describe('the sequential property with another version of a workflow on PostgreSQL', () => {
  it('without an override, and with every workflow overridden by itself (run free, not in lockstep), no divergence', async () => {
    await withTesterConnection(async (connection, queries) => {
      const plain = await runSequential(connection, queries, { runs: 40, seed: 11, maxCommands: 50 });
      expect(plain.finding?.summary).toBeUndefined();
      const itself = new Map(workflowNames.map((name): [WorkflowName, ReturnType<typeof catalogueWorkflow>] => [name, catalogueWorkflow(name)]));
      const free = await runSequential(connection, queries, { runs: 40, seed: 11, maxCommands: 50, realWorkflows: itself });
      expect(free.finding?.summary).toBeUndefined();
      // Both ran the same commands: the free run is the same property, compared another way.
      expect(free.commands).toBe(plain.commands);
    });
  }, 120_000);

  it('the handwritten copies, with nothing changed, cannot be told from the spec', async () => {
    await withTesterConnection(async (connection, queries) => {
      const report = await runSequential(connection, queries, { runs: 60, seed: 5, maxCommands: 50, realWorkflows: unchangedCopies });
      expect(report.finding?.summary).toBeUndefined();
    });
  }, 120_000);

  // One mutant of each kind, killed at the default budget at a fixed seed. Counted when written:
  // each of the four is killed at every seed from 1 to 10, within the first 1–85 runs.
  const killed: readonly { id: string; seed: number; where: RegExp }[] = [
    // A step dropped: updated_at stays older than the message the send wrote (time order).
    { id: 'workflow:SendChatMessage:drop-touch', seed: 1, where: /^state$/ },
    // A transaction split: the task's completed_at and the session's updated_at are no longer one now().
    { id: 'workflow:CompleteTask:split-transaction', seed: 1, where: /^state$/ },
    // Two steps swapped: the cancel finds the tasks already unlinked, no agent refresh follows.
    { id: 'workflow:DeleteChatSession:swap-cancel-delete', seed: 1, where: /^state$/ },
    // A guard dropped: 201 where the spec answers 400 "chat session is archived".
    { id: 'workflow:SendChatMessage:drop-archived-session-check', seed: 1, where: /^answer$/ },
  ];
  for (const { id, seed, where } of killed) {
    it(`${id}: killed at seed ${seed}, shrunk to a short case ending in the mutated workflow`, async () => {
      const mutant = mutantOf(id);
      await withTesterConnection(async (connection, queries) => {
        const report = await runSequential(connection, queries, { ...DEFAULT, seed, realWorkflows: onPostgres(mutant) });
        expect(report.finding?.kind, report.finding?.summary).toBe('divergence');
        expect(report.finding!.divergence!.where).toMatch(where);
        expect(report.finding!.commands.at(-1)).toMatch(new RegExp(`^${mutant.of}\\(`));
        expect(report.finding!.commands.length).toBeLessThanOrEqual(8);
      });
    }, 180_000);
  }

  // Survives every seed from 1 to 10: without a concurrent send, lock or no lock the delete does the same.
  it('the delete without its lock survives the sequential property: only a concurrent send can tell', async () => {
    await withTesterConnection(async (connection, queries) => {
      const report = await runSequential(connection, queries, { ...DEFAULT, seed: 1, realWorkflows: onPostgres(mutantOf('workflow:DeleteChatSession:drop-lock')) });
      expect(report.finding?.summary).toBeUndefined();
      expect(report.runs).toBe(DEFAULT.runs);
    });
  }, 180_000);
});

describe('the race explorer with a mutant on PostgreSQL, judged by the spec', () => {
  it('the delete without its lock: killed on send,delete by the orphan invariant', async () => {
    const mutant = mutantOf('workflow:DeleteChatSession:drop-lock');
    await withRaceRunner(async (runner) => {
      const workflows = racingWorkflows(['send', 'delete'], [], onPostgres(mutant));
      expect(workflows[1]!.realProgram).toBe(mutant.program);
      expect(workflows[1]!.program).toBeUndefined();
      const exploration = await explore(runner, workflows, everyInterleaving, 1);
      expect(exploration.finding?.finding).toMatchObject({ kind: 'invariant', invariant: { name: 'no live chat task outlives its session' } });
      // The serial outcomes are the spec's: the same as for the unmutated race.
      const spec = await runner.prepare(racingWorkflows(['send', 'delete']));
      expect(exploration.race.serialOrders).toBe(spec.serialOrders);
      expect(exploration.race.serial.map((outcome) => outcome.orders)).toEqual(spec.serial.map((outcome) => outcome.orders));
      expect(exploration.race.calls[1]).toMatch(/^DeleteChatSession\[mutant\]\(/);
    });
  }, 120_000);

  it('a mutant the model does not run: complete without its unread stamp diverges from every serial outcome of the spec, while run on both sides it would conform', async () => {
    const mutant = mutantOf('workflow:CompleteTask:drop-set-unread');
    await withRaceRunner(async (runner) => {
      // A send does not clear the stamp: in every serial order of the spec the session ends unread.
      const judged = await explore(runner, racingWorkflows(['send', 'complete'], [], onPostgres(mutant)), { kind: 'exhaustive', budget: 20 }, 1);
      const finding = judged.finding;
      expect(finding?.finding.kind, finding && renderTimeline(finding.execution.timeline, 2).join('\n')).toBe('divergence');
      // The same program on both sides, as a variant is run: nothing to find.
      const both: RacingWorkflow[] = [raceWorkflow('send')!, { ...raceWorkflow('complete')!, variant: 'complete:no-unread', program: mutant.program }];
      const agreed = await explore(runner, both, { kind: 'exhaustive', budget: 20 }, 1);
      expect(agreed.finding?.finding).toBeUndefined();
    });
  }, 120_000);

  it('a variant and a mutant together: the variant runs on both sides, the mutant only on PostgreSQL', () => {
    const send = mutantOf('workflow:SendChatMessage:drop-touch');
    const [sending, deleting] = racingWorkflows(['send', 'delete'], ['delete:v1'], onPostgres(send));
    expect(sending).toMatchObject({ workflow: 'SendChatMessage', realProgram: send.program });
    expect(sending!.program).toBeUndefined();
    expect(deleting).toMatchObject({ workflow: 'DeleteChatSession', variant: 'delete:v1' });
    expect(deleting!.program).toBeDefined();
    expect(deleting!.realProgram).toBeUndefined();
  });
});
