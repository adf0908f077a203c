/**
 * distinctOutcomes (src/race/distinct-outcomes.ts): serial orders that end alike but for the names
 * the model gave new rows and ticks are one outcome; outcomes that differ in anything else are not.
 */
import { describe, expect, it } from 'vitest';
import { ModelDatabase } from '../../model/model-database.js';
import { serialOutcomes } from '../../model/serial-orders.js';
import { createWorld } from '../../model/workflows/fixtures.js';
import { workflows } from '../../model/workflows/index.js';
import { distinctOutcomes } from '../../src/race/distinct-outcomes.js';
import { fields } from '../support/model.js';

function start() {
  const db = new ModelDatabase();
  const w = db.run(createWorld('w'));
  const session = fields(db.run(workflows.CreateChatSession({ workspace_id: w.workspace_id, user_id: w.user_id, agent_id: w.agent_id }))).id ?? null;
  return { state: db.state, route: { session_id: session, workspace_id: w.workspace_id, user_id: w.user_id } };
}

describe('distinct serial outcomes', () => {
  it('two sends of the same text: every order ends alike, up to the names of the new rows', () => {
    const { state, route } = start();
    const send = () => workflows.SendChatMessage({ ...route, content: 'hi' });
    const all = serialOutcomes(state, [send, send]);
    expect(all.length).toBeGreaterThan(1);
    expect(distinctOutcomes(all, state)).toHaveLength(1);
  });

  it('two sends of different texts: which message came first is part of the outcome only through the names, so still one', () => {
    const { state, route } = start();
    const all = serialOutcomes(state, [() => workflows.SendChatMessage({ ...route, content: 'a' }), () => workflows.SendChatMessage({ ...route, content: 'b' })]);
    expect(distinctOutcomes(all, state)).toHaveLength(1);
  });

  it('send vs delete: the four outcomes of send-vs-delete-race.md §5 (404, 500 message, 500 task, 201) stay apart', () => {
    const { state, route } = start();
    const all = serialOutcomes(state, [() => workflows.SendChatMessage({ ...route, content: 'hi' }), () => workflows.DeleteChatSession(route)]);
    const distinct = distinctOutcomes(all, state);
    expect(distinct.map((outcome) => (outcome.answers[0] as { status: number }).status).sort()).toEqual([201, 404, 500, 500]);
  });
});
