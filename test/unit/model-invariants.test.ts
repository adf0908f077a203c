import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { invariants } from '../../model/invariants.js';
import { commandSteps } from '../../src/sequential/generators.js';
import { ModelRun } from '../../src/sequential/model-run.js';

const start = ModelRun.startingState();

/** Each invariant's offenders in the model's current state, by name (empty when all hold). */
function broken(run: ModelRun): Record<string, unknown> {
  const found: Record<string, unknown> = {};
  for (const invariant of invariants) {
    const violations = invariant.violations(run.model.state.table(invariant.table).rows());
    if (violations.length > 0) found[invariant.name] = violations;
  }
  return found;
}

describe('invariants of the model', () => {
  it('hold after every command of random sequences (the model at 60b never breaks them)', () => {
    // States with two in-flight tasks of one agent: where the claim's serialisation is tested.
    let crowded = 0;
    fc.assert(
      fc.property(fc.array(commandSteps, { maxLength: 50, size: 'max' }), (steps) => {
        const run = new ModelRun(start);
        for (const spec of steps.flat()) {
          run.run(spec);
          expect(broken(run)).toEqual({});
          const agents = run.model.state.table('agent_task_queue').filter((task) => task['status'] === 'dispatched' || task['status'] === 'running').map((task) => task['agent_id']);
          if (new Set(agents).size < agents.length) crowded++;
        }
      }),
      { numRuns: 400, seed: 11 },
    );
    expect(crowded).toBeGreaterThan(100);
  });

  it('are not vacuous: each names the rows that break it', () => {
    const task = { agent_id: 'agent:1', chat_session_id: 'chat_session:1', issue_id: null, dispatched_at: null, started_at: null, completed_at: null };
    const rows = [
      { ...task, id: 'agent_task_queue:1', status: 'running', dispatched_at: 't1', started_at: 't2' },
      { ...task, id: 'agent_task_queue:2', status: 'dispatched' },
      { ...task, id: 'agent_task_queue:3', status: 'cancelled' },
      { ...task, id: 'agent_task_queue:4', status: 'running', chat_session_id: null, issue_id: 'issue:1', dispatched_at: 't1', started_at: 't2' },
      { ...task, id: 'agent_task_queue:5', status: 'dispatched', chat_session_id: null, issue_id: 'issue:1', dispatched_at: 't3' },
    ];
    const offenders = Object.fromEntries(invariants.map((invariant) => [invariant.name, invariant.violations(rows).map((group) => group.map((row) => row['id']))]));
    expect(offenders).toEqual({
      'one in-flight task per agent and chat session': [['agent_task_queue:1', 'agent_task_queue:2']],
      'one in-flight task per agent and issue': [['agent_task_queue:4', 'agent_task_queue:5']],
      'dispatched tasks have dispatched_at': [['agent_task_queue:2']],
      'running tasks have started_at': [],
      'finished tasks have completed_at': [['agent_task_queue:3']],
    });
  });
});
