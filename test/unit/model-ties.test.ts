/**
 * ORDER BY … LIMIT 1 with tied keys: the model answers with the first inserted of the tied rows, and
 * ModelDatabase.performChoosing lets a caller (the lockstep tester) have it go on with another.
 */
import { describe, expect, it } from 'vitest';
import { ModelDatabase } from '../../model/model-database.js';
import type { Step, StepResult } from '../../model/program.js';
import type { Row, Value } from '../../model/values.js';
import { must, tick } from '../support/model.js';

const query = (name: string, args: Record<string, Value>): Step => ({ op: 'query', name, args });

function row(result: StepResult): Row {
  if (result.kind !== 'one') throw new Error(`not a :one result: ${result.kind}`);
  return must(result.row);
}

/** A workspace, user, runtime, agent and chat session; then two queued tasks of it created in one transaction (one created_at). */
function twoTiedTasks(): { db: ModelDatabase; agent: Value; session: Value; tasks: [Value, Value] } {
  const db = new ModelDatabase();
  const workspace = row(db.perform(query('FixtureCreateWorkspace', { name: 'acme', slug: 'acme' })))['id']!;
  const user = row(db.perform(query('FixtureCreateUser', { name: 'ada', email: 'ada@example.com' })))['id']!;
  const runtime = row(db.perform(query('FixtureCreateRuntime', { workspace_id: workspace, name: 'laptop' })))['id']!;
  const agent = row(db.perform(query('FixtureCreateAgent', { workspace_id: workspace, name: 'agent', runtime_id: runtime })))['id']!;
  const session = row(db.perform(query('CreateChatSession', { workspace_id: workspace, agent_id: agent, creator_id: user, title: 'chat' })))['id']!;
  db.perform({ op: 'begin' });
  const create = () => row(db.perform(query('CreateChatTask', { agent_id: agent, runtime_id: runtime, priority: 0, chat_session_id: session })))['id']!;
  const tasks: [Value, Value] = [create(), create()];
  db.perform({ op: 'commit' });
  return { db, agent, session, tasks };
}

describe('ties in ORDER BY … LIMIT 1', () => {
  it('perform answers with the first inserted of the tied rows', () => {
    const { db, session, tasks } = twoTiedTasks();
    expect(row(db.perform(query('GetPendingChatTask', { chat_session_id: session })))['id']).toBe(tasks[0]);
  });

  it('performChoosing goes on with the tied row the caller accepts, inside an open transaction, and the tries leave nothing behind', () => {
    const { db, agent, tasks } = twoTiedTasks();
    db.perform({ op: 'begin' });
    db.perform(query('GetAgent', { id: agent }));
    const before = db.state;
    const seen: Value[] = [];
    const claimed = row(
      db.performChoosing(query('ClaimAgentTask', { agent_id: agent }), (result) => {
        seen.push(row(result)['id']!);
        return row(result)['id'] === tasks[1];
      }),
    );
    expect(seen).toEqual([tasks[0], tasks[1]]);
    expect(claimed['id']).toBe(tasks[1]);
    db.perform({ op: 'commit' });
    // The claim ran once, at the transaction's tick: the tries took no tick and no id.
    expect(db.state.lastTick).toBe(before.lastTick);
    expect(db.state.lastIds).toEqual(before.lastIds);
    expect(db.state.get('agent_task_queue', tasks[1])!['status']).toBe('dispatched');
    expect(tick(db.state.get('agent_task_queue', tasks[1])!['dispatched_at'])).toBe(before.lastTick);
    expect(db.state.get('agent_task_queue', tasks[0])!['status']).toBe('queued');
  });

  it('performChoosing performs the first inserted when the caller accepts none, and tries nothing when nothing ties', () => {
    const { db, agent, session, tasks } = twoTiedTasks();
    expect(row(db.performChoosing(query('GetPendingChatTask', { chat_session_id: session }), () => false))['id']).toBe(tasks[0]);
    const tries: StepResult[] = [];
    const claimed = row(db.performChoosing(query('ClaimAgentTask', { agent_id: agent }), (result) => (tries.push(result), false)));
    expect(claimed['id']).toBe(tasks[0]);
    expect(tries).toHaveLength(2);
    tries.length = 0;
    // One pending task left: no tie, no question asked.
    db.perform(query('CancelAgentTask', { id: tasks[0] }));
    db.performChoosing(query('GetPendingChatTask', { chat_session_id: session }), (result) => (tries.push(result), true));
    expect(tries).toEqual([]);
  });
});
