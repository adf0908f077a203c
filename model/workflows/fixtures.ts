/**
 * Programs that build the world around chat with chatcheck's fixture queries (src/queries/fixture.sql):
 * workspaces, users, runtimes, agents, and the legacy states nothing at 60b writes. They run on
 * either driver, like the workflows.
 */
import { exec, one, type Program } from '../program.js';
import type { Row, Value } from '../values.js';

function* created(name: string, args: Readonly<Record<string, Value>>): Program<Row> {
  const row = yield* one(name, args);
  if (row === null) throw new Error(`${name} returned no row`);
  return row;
}

export function createWorkspace(name: string, slug: string = name): Program<Row> {
  return created('FixtureCreateWorkspace', { name, slug });
}

export function createUser(name: string, email = `${name}@example.com`): Program<Row> {
  return created('FixtureCreateUser', { name, email });
}

export function createMember(workspaceId: Value, userId: Value): Program<Row> {
  return created('FixtureCreateMember', { workspace_id: workspaceId, user_id: userId });
}

export function createRuntime(workspaceId: Value, name: string): Program<Row> {
  return created('FixtureCreateRuntime', { workspace_id: workspaceId, name });
}

export function createAgent(workspaceId: Value, name: string, runtimeId: Value): Program<Row> {
  return created('FixtureCreateAgent', { workspace_id: workspaceId, name, runtime_id: runtimeId });
}

export function archiveAgent(agentId: Value): Program<void> {
  return exec('FixtureArchiveAgent', { id: agentId });
}

/** A legacy archived session (before 60b, "delete" only set this status). */
export function archiveChatSession(sessionId: Value): Program<void> {
  return exec('FixtureArchiveChatSession', { id: sessionId });
}

/** Moves an agent to another runtime; its sessions keep their runtime_id. */
export function moveAgent(agentId: Value, runtimeId: Value): Program<void> {
  return exec('FixtureMoveAgent', { id: agentId, runtime_id: runtimeId });
}

export function setRuntimeStatus(runtimeId: Value, status: 'online' | 'offline'): Program<void> {
  return exec('FixtureSetRuntimeStatus', { id: runtimeId, status });
}

/** The ids of a small world: one workspace with a member, a runtime and an agent on it. */
export interface World {
  readonly workspace_id: Value;
  readonly user_id: Value;
  readonly runtime_id: Value;
  readonly agent_id: Value;
}

/** Workspace `name`, user `name`-user (a member), runtime `name`-rt, agent `name`-agent on it. */
export function* createWorld(name = 'w'): Program<World> {
  const workspace = yield* createWorkspace(name);
  const user = yield* createUser(`${name}-user`);
  yield* createMember(workspace.id ?? null, user.id ?? null);
  const runtime = yield* createRuntime(workspace.id ?? null, `${name}-rt`);
  const agent = yield* createAgent(workspace.id ?? null, `${name}-agent`, runtime.id ?? null);
  return {
    workspace_id: workspace.id ?? null,
    user_id: user.id ?? null,
    runtime_id: runtime.id ?? null,
    agent_id: agent.id ?? null,
  };
}
