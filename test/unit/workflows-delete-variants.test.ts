/**
 * The earlier DeleteChatSession versions (model/workflows/delete-variants.ts) on the model: the
 * statements each yields, their error answers, and v1's orphan when a send runs between its cancel
 * and its delete (send-vs-delete-race.md §3).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { brokenInvariants, raceInvariants } from '../../model/invariants.js';
import { ModelDatabase } from '../../model/model-database.js';
import type { Outcome } from '../../model/program.js';
import type { Value } from '../../model/values.js';
import { createWorld, type World } from '../../model/workflows/fixtures.js';
import { deleteChatSessionTxNoLock, deleteChatSessionV1, variantWorkflow, workflows, workflowVariants } from '../../model/workflows/index.js';
import { runBefore, type Fault } from '../../model/workflows/instrument.js';
import { error, fields, must, workflowRunners } from '../support/model.js';

let db: ModelDatabase;
let w: World;
const { run, runTraced, runFaulty, getTask, getSession, listMessages } = workflowRunners(() => db);

const caller = () => ({ workspace_id: w.workspace_id, user_id: w.user_id });
const noContent: Outcome = { status: 204, body: null };

async function newSession(): Promise<Value> {
  return fields(await run(workflows.CreateChatSession({ ...caller(), agent_id: w.agent_id }))).id ?? null;
}

/** Sends a message to `session` and returns its queued task's id. */
async function sendTask(session: Value): Promise<Value> {
  return fields(await run(workflows.SendChatMessage({ ...caller(), session_id: session, content: 'hi' }))).task_id ?? null;
}

const orphanNames = () => brokenInvariants(db.state, raceInvariants).map((broken) => broken.invariant.name);

beforeEach(async () => {
  db = new ModelDatabase();
  w = await run(createWorld('w'));
});

describe('delete:v1 (ce6039dd5d)', () => {
  it('loader, cancel, a refresh per cancelled task, delete — all autocommits', async () => {
    const id = await newSession();
    const task = await sendTask(id);
    const { outcome, steps } = await runTraced(deleteChatSessionV1({ ...caller(), session_id: id }));
    expect(outcome).toEqual(noContent);
    expect(steps).toEqual(['GetChatSessionInWorkspace', 'CancelAgentTasksByChatSession', 'RefreshAgentStatusFromTasks', 'DeleteChatSession']);
    expect(must(await getTask(task))).toMatchObject({ status: 'cancelled', chat_session_id: null });
    expect(await getSession(id)).toBeNull();
    expect(await listMessages(id)).toEqual([]);
  });

  it('no task: no refresh', async () => {
    const id = await newSession();
    const { outcome, steps } = await runTraced(deleteChatSessionV1({ ...caller(), session_id: id }));
    expect(outcome).toEqual(noContent);
    expect(steps).toEqual(['GetChatSessionInWorkspace', 'CancelAgentTasksByChatSession', 'DeleteChatSession']);
  });

  it('loader errors answer first (404 for a missing session)', async () => {
    const { outcome, steps } = await runTraced(deleteChatSessionV1({ ...caller(), session_id: 'chat_session:99' }));
    expect(outcome).toEqual(error(404, 'chat session not found'));
    expect(steps).toEqual(['GetChatSessionInWorkspace']);
  });

  it('a cancel error is only logged: the delete runs and leaves the live task without a session', async () => {
    const id = await newSession();
    const task = await sendTask(id);
    const { outcome, steps } = await runFaulty(deleteChatSessionV1({ ...caller(), session_id: id }), { at: 'CancelAgentTasksByChatSession' });
    expect(outcome).toEqual(noContent);
    expect(steps).toEqual(['GetChatSessionInWorkspace', 'CancelAgentTasksByChatSession', 'DeleteChatSession']);
    expect(must(await getTask(task))).toMatchObject({ status: 'queued', chat_session_id: null });
    expect(orphanNames()).toEqual(['no live chat task outlives its session']);
  });

  it('500 "failed to delete chat session" when the delete fails; the cancel has already committed', async () => {
    const id = await newSession();
    const task = await sendTask(id);
    const { outcome } = await runFaulty(deleteChatSessionV1({ ...caller(), session_id: id }), { at: 'DeleteChatSession' });
    expect(outcome).toEqual(error(500, 'failed to delete chat session'));
    expect(must(await getTask(task))).toMatchObject({ status: 'cancelled', chat_session_id: id });
    expect(await getSession(id)).not.toBeNull();
  });

  it('a send between the cancel and the delete leaves a queued task with every link NULL (§3)', async () => {
    const id = await newSession();
    let sent: Outcome | undefined;
    const send = workflows.SendChatMessage({ ...caller(), session_id: id, content: 'x' });
    const outcome = await run(runBefore(deleteChatSessionV1({ ...caller(), session_id: id }), 'DeleteChatSession', send, (o) => (sent = o)));
    expect(outcome).toEqual(noContent);
    expect(sent?.status).toBe(201);
    const task = must(await getTask(fields(sent!).task_id ?? null));
    expect(task).toMatchObject({ status: 'queued', chat_session_id: null, issue_id: null, autopilot_run_id: null, context: null });
    expect(await listMessages(id)).toEqual([]);
    expect(orphanNames()).toEqual(['no live chat task outlives its session']);
  });
});

describe('delete:tx-no-lock', () => {
  it('loader, then cancel and delete in one transaction, refresh after the commit', async () => {
    const id = await newSession();
    const task = await sendTask(id);
    const { outcome, steps } = await runTraced(deleteChatSessionTxNoLock({ ...caller(), session_id: id }));
    expect(outcome).toEqual(noContent);
    expect(steps).toEqual([
      'GetChatSessionInWorkspace',
      'begin',
      'CancelAgentTasksByChatSession',
      'DeleteChatSession',
      'commit',
      'RefreshAgentStatusFromTasks',
    ]);
    expect(must(await getTask(task))).toMatchObject({ status: 'cancelled', chat_session_id: null });
    expect(await getSession(id)).toBeNull();
  });

  it('each failure rolls back and leaves everything unchanged, as the final delete', async () => {
    const cases: [Fault, string][] = [
      [{ at: 'begin' }, 'failed to start transaction'],
      [{ at: 'CancelAgentTasksByChatSession' }, 'failed to cancel chat session tasks'],
      [{ at: 'DeleteChatSession' }, 'failed to delete chat session'],
      [{ at: 'commit' }, 'failed to commit chat session delete'],
    ];
    for (const [fault, message] of cases) {
      const id = await newSession();
      const task = await sendTask(id);
      const { outcome, steps } = await runFaulty(deleteChatSessionTxNoLock({ ...caller(), session_id: id }), fault);
      expect(outcome).toEqual(error(500, message));
      expect(steps).not.toContain('RefreshAgentStatusFromTasks');
      expect(await getSession(id)).not.toBeNull();
      expect(must(await getTask(task))).toMatchObject({ status: 'queued', chat_session_id: id });
    }
  });
});

describe('workflowVariants', () => {
  it('names both delete variants, as variants of DeleteChatSession', () => {
    expect(Object.keys(workflowVariants)).toEqual(['delete:v1', 'delete:tx-no-lock']);
    expect(workflowVariants['delete:v1']).toMatchObject({ of: 'DeleteChatSession', workflow: deleteChatSessionV1 });
    expect(workflowVariants['delete:tx-no-lock']).toMatchObject({ of: 'DeleteChatSession', workflow: deleteChatSessionTxNoLock });
    expect(variantWorkflow('delete:v1', 'DeleteChatSession')).toBe(deleteChatSessionV1);
  });

  it('variantWorkflow refuses an unknown name and a variant of another operation', () => {
    expect(() => variantWorkflow('delete:v0', 'DeleteChatSession')).toThrow(/unknown workflow variant delete:v0/);
    expect(() => variantWorkflow('delete:v1', 'SendChatMessage')).toThrow(/variant of DeleteChatSession, not of SendChatMessage/);
  });
});
