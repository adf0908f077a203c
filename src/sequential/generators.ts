import fc from 'fast-check';
import type { TableName } from '../../model/schema.js';
import type { Json, Value } from '../../model/values.js';
import type { WorkflowName } from '../../model/workflows/index.js';
import type { Arg, Args } from './arguments.js';

/** A command as data: a named query with arguments, or a workflow with its input. */
export interface CommandSpec {
  readonly kind: 'query' | 'workflow';
  readonly name: string;
  readonly args: Args;
}

// ---------------------------------------------------------------------------------------------
// Argument generators

/**
 * Mostly an existing (or once existing) row of `table`; now and then an id no row ever had. The
 * newest rows get extra weight: they are the ones a run just built (the session just created, the
 * task just queued or claimed), so following them is what carries a run deep into the lifecycle.
 */
const ref = (table: TableName): fc.Arbitrary<Arg> =>
  fc.oneof(
    { weight: 12, arbitrary: fc.nat({ max: 7 }).map((pick): Arg => ({ ref: table, pick })) },
    { weight: 8, arbitrary: fc.integer({ min: -2, max: -1 }).map((pick): Arg => ({ ref: table, pick })) },
    { weight: 1, arbitrary: fc.nat({ max: 2 }).map((n): Arg => ({ unknown: n + 1 })) },
  );

/**
 * A path id: as `ref`, or one time in ten a string that is not a UUID (the 400 branches: at one in
 * sixteen, the rarest routes met theirs only about three times in a default budget, and at one
 * seed in three not at all).
 */
const pathRef = (table: TableName): fc.Arbitrary<Arg> =>
  fc.oneof({ weight: 9, arbitrary: ref(table) }, { weight: 1, arbitrary: fc.constant<Arg>({ notAUuid: true }) });

const literal = <T extends Value>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<Arg> => arbitrary.map((value): Arg => ({ literal: value }));

/** PostgreSQL text cannot hold NUL; everything else is fair game. */
const plainText = fc.string({ unit: fc.constantFrom(...'abcxyz019 '), maxLength: 12 });
const unicodeText = fc.string({ unit: 'grapheme', maxLength: 6 }).filter((text) => !text.includes('\u0000'));
const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constant('') },
  { weight: 8, arbitrary: plainText },
  { weight: 2, arbitrary: unicodeText },
  { weight: 1, arbitrary: fc.constant('x'.repeat(5000)) },
  { weight: 1, arbitrary: fc.constantFrom('a\\nb', 'token=abc123', 'Bearer abcdefgh') },
);

const textArg = literal(text);
/** `value` one time in twenty, else absent. */
const rarely = <T>(value: T): fc.Arbitrary<T | undefined> => fc.oneof({ weight: 19, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant(value) });
/** `value` one time in ten: for a guard that only a call past an access rule can reach. */
const sometimes = <T>(value: T): fc.Arbitrary<T | undefined> => fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant(value) });
const nullableText = literal(fc.option(text, { nil: null, freq: 3 }));
/** Optional body fields of the daemon: absent, '' (→ NULL in the handler) or a value. */
const optionalField = fc.option(text, { nil: undefined, freq: 3 });
const failureReason = fc.constantFrom('runtime_offline', 'runtime_recovery', 'timeout', 'agent_error', 'agent_crashed');

const columnOf = (of: Arg, table: TableName, column: string, otherwise: Arg): Arg => ({ columnOf: of, table, column, otherwise });

/**
 * `usual` `odds` times to one, else any row of `table` (another workspace, another user: the 403/404
 * guards). The routes a run builds on (create, send, claim) keep 6 to 1 and start/complete/fail 4 to
 * 1; reads, delete, cancel, pin and status take a stranger half the time, which costs a run nothing
 * it builds on and reaches their 403/404 guards in the default budget.
 */
const usually = (usual: Arg, table: TableName, odds = 6): fc.Arbitrary<Arg> =>
  fc.oneof({ weight: odds, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: ref(table) });

/**
 * Who lists sessions: half the time any user in any workspace, half the time the creator of a
 * session in its workspace — a listing of nobody's sessions shows nothing a query could get wrong.
 */
const lister = (user: 'user_id' | 'creator_id'): fc.Arbitrary<Readonly<Record<string, Arg>>> =>
  fc.oneof(
    fc.record({ workspace_id: ref('workspace'), [user]: ref('user') }),
    ref('chat_session').map((session) => ({
      workspace_id: columnOf(session, 'chat_session', 'workspace_id', { ref: 'workspace', pick: 0 }),
      [user]: columnOf(session, 'chat_session', 'creator_id', { ref: 'user', pick: 0 }),
    })),
  );

/** A route on one session, called by its creator in its workspace `odds` times to one (else 404/403 would be all we see). */
const sessionRoute = (odds?: number) =>
  pathRef('chat_session').chain((session) =>
    fc.record({
      session_id: fc.constant(session),
      workspace_id: usually(columnOf(session, 'chat_session', 'workspace_id', { ref: 'workspace', pick: 0 }), 'workspace', odds),
      user_id: usually(columnOf(session, 'chat_session', 'creator_id', { ref: 'user', pick: 0 }), 'user', odds),
    }),
  );

/** A user's route on one task: the creator of the task's session, in its workspace, `odds` times to one. */
const taskRoute = (odds?: number) =>
  pathRef('agent_task_queue').chain((task) => {
    const session = columnOf(task, 'agent_task_queue', 'chat_session_id', { unknown: 1 });
    return fc.record({
      task_id: fc.constant(task),
      workspace_id: usually(columnOf(session, 'chat_session', 'workspace_id', { ref: 'workspace', pick: 0 }), 'workspace', odds),
      user_id: usually(columnOf(session, 'chat_session', 'creator_id', { ref: 'user', pick: 0 }), 'user', odds),
    });
  });

/** A daemon's route on one task: the daemon is entitled to the workspace of the task's session, `odds` times to one. */
const daemonTaskRoute = (odds?: number) =>
  pathRef('agent_task_queue').chain((task) =>
    fc.record({
      task_id: fc.constant(task),
      workspace_id: usually(columnOf(columnOf(task, 'agent_task_queue', 'chat_session_id', { unknown: 1 }), 'chat_session', 'workspace_id', { ref: 'workspace', pick: 0 }), 'workspace', odds),
    }),
  );

/** A runtime: mostly any, else the one a task is stamped with, so that claims and recoveries find work (StartTask → 200 needs a claimed task). */
const runtimeRef: fc.Arbitrary<Arg> = fc.oneof(
  { weight: 2, arbitrary: pathRef('agent_runtime') },
  { weight: 1, arbitrary: ref('agent_task_queue').map((task) => columnOf(task, 'agent_task_queue', 'runtime_id', { ref: 'agent_runtime', pick: 0 })) },
);

/** A daemon's route on one runtime, with that runtime's workspace as the handler reads it. */
const runtimeRoute = runtimeRef.chain((runtime) => {
  const workspace = columnOf(runtime, 'agent_runtime', 'workspace_id', { literal: null });
  return fc.record({ runtime_id: fc.constant(runtime), runtime_workspace_id: fc.constant(workspace), workspace_id: usually(workspace, 'workspace') });
});

/** Creating a session: mostly with an agent of the caller's workspace. */
const newSession = fc.oneof({ weight: 10, arbitrary: pathRef('agent') }, { weight: 1, arbitrary: literal(fc.constant('')) }).chain((agent) =>
  fc.record({ agent_id: fc.constant(agent), workspace_id: usually(columnOf(agent, 'agent', 'workspace_id', { ref: 'workspace', pick: 0 }), 'workspace'), user_id: ref('user') }),
);

const json: fc.Arbitrary<Json> = fc.record({ pr_url: fc.constant(''), output: plainText, session_id: plainText, work_dir: plainText });

// ---------------------------------------------------------------------------------------------
// Commands

type Shape = Readonly<Record<string, fc.Arbitrary<Arg>>>;

// fc.record builds null-prototype objects in dictionary mode; a plain copy makes every later
// read of the arguments (once per command per world, and again on each shrink) a fast one.
const query = (name: string, shape: Shape): fc.Arbitrary<CommandSpec> =>
  fc.record(shape).map((args): CommandSpec => ({ kind: 'query', name, args: { ...args } }));

/** A workflow input: fields given as Arg arbitraries; optional body fields as plain values. */
const workflow = (
  name: WorkflowName,
  route: fc.Arbitrary<Readonly<Record<string, Arg>>>,
  optional: Readonly<Record<string, fc.Arbitrary<Value | undefined | boolean>>> = {},
): fc.Arbitrary<CommandSpec> =>
  fc.tuple(route, fc.record(optional)).map(([args, extra]): CommandSpec => {
    const all: Record<string, Arg> = { ...args };
    for (const [key, value] of Object.entries(extra)) if (value !== undefined) all[key] = { literal: value as Value };
    return { kind: 'workflow', name, args: all };
  });

/** The rows around chat: workspaces, users, runtimes, agents, and the changes the issue lists. */
export const worldCommands: readonly fc.Arbitrary<CommandSpec>[] = [
  query('FixtureCreateWorkspace', { name: textArg, slug: fc.constant<Arg>({ fresh: 'ws-', table: 'workspace' }) }),
  query('FixtureCreateUser', { name: textArg, email: fc.constant<Arg>({ fresh: 'user-', table: 'user' }) }),
  query('FixtureCreateRuntime', { workspace_id: ref('workspace'), name: textArg }),
  query('FixtureCreateAgent', { workspace_id: ref('workspace'), name: fc.constant<Arg>({ fresh: 'agent-', table: 'agent' }), runtime_id: ref('agent_runtime') }),
  query('FixtureArchiveAgent', { id: ref('agent') }),
  query('FixtureArchiveChatSession', { id: ref('chat_session') }),
  query('FixtureMoveAgent', { runtime_id: ref('agent_runtime'), id: ref('agent') }),
  query('FixtureSetRuntimeStatus', { status: literal(fc.constantFrom('online', 'offline')), id: ref('agent_runtime') }),
  query('FixtureDeleteAgent', { id: ref('agent') }),
  query('FixtureDeleteUser', { id: ref('user') }),
  query('FixtureDeleteWorkspace', { id: ref('workspace') }),
  query('FixtureDeleteRuntime', { id: ref('agent_runtime') }),
];

/** A listing query (workspace_id, creator_id) called by `lister`. */
const listedBy = (name: string): fc.Arbitrary<CommandSpec> => lister('creator_id').map((args): CommandSpec => ({ kind: 'query', name, args: { ...args } }));

/** How many of queryCommands are chat.sql's (the rest are tasks.sql's). */
const CHAT_QUERIES = 19;

/** Every query under test, called directly with generated arguments: chat.sql first, then tasks.sql. */
/** State-changing queries weigh more than reads: subtle bugs live in writes, and reads of a state no write shaped find little. */
export const queryCommands: readonly fc.WeightedArbitrary<CommandSpec>[] = [
  { weight: 3, arbitrary: query('CreateChatSession', { workspace_id: ref('workspace'), agent_id: ref('agent'), creator_id: ref('user'), title: textArg }) },
  { weight: 1, arbitrary: query('GetChatSession', { id: ref('chat_session') }) },
  { weight: 1, arbitrary: query('GetChatSessionInWorkspace', { id: ref('chat_session'), workspace_id: ref('workspace') }) },
  { weight: 1, arbitrary: listedBy('ListChatSessionsByCreator') },
  { weight: 1, arbitrary: listedBy('ListAllChatSessionsByCreator') },
  { weight: 3, arbitrary: query('UpdateChatSessionTitle', { id: ref('chat_session'), title: textArg }) },
  // More than the other writes: its COALESCEs only show when two calls hit one session.
  { weight: 5, arbitrary: query('UpdateChatSessionSession', {
    session_id: nullableText,
    work_dir: nullableText,
    runtime_id: fc.oneof(literal(fc.constant(null)), ref('agent_runtime')),
    id: ref('chat_session'),
  }) },
  { weight: 1, arbitrary: query('LockChatSessionForDelete', { id: ref('chat_session') }) },
  { weight: 3, arbitrary: query('DeleteChatSession', { id: ref('chat_session') }) },
  { weight: 3, arbitrary: query('TouchChatSession', { id: ref('chat_session') }) },
  { weight: 3, arbitrary: query('CreateChatMessage', {
    chat_session_id: ref('chat_session'),
    role: literal(fc.constantFrom('user', 'assistant', 'system')),
    content: textArg,
    task_id: fc.oneof(literal(fc.constant(null)), ref('agent_task_queue')),
    failure_reason: nullableText,
    elapsed_ms: literal(fc.option(fc.nat({ max: 100_000 }), { nil: null })),
  }) },
  { weight: 1, arbitrary: query('ListChatMessages', { chat_session_id: ref('chat_session') }) },
  { weight: 1, arbitrary: query('GetChatMessage', { id: ref('chat_message') }) },
  { weight: 3, arbitrary: query('CreateChatTask', { agent_id: ref('agent'), runtime_id: ref('agent_runtime'), priority: literal(fc.integer({ min: -1, max: 3 })), chat_session_id: ref('chat_session') }) },
  { weight: 1, arbitrary: query('GetLastChatTaskSession', { chat_session_id: ref('chat_session') }) },
  { weight: 1, arbitrary: query('GetPendingChatTask', { chat_session_id: ref('chat_session') }) },
  { weight: 1, arbitrary: listedBy('ListPendingChatTasksByCreator') },
  { weight: 3, arbitrary: query('MarkChatSessionRead', { id: ref('chat_session') }) },
  { weight: 3, arbitrary: query('SetUnreadSinceIfNull', { id: ref('chat_session') }) },
  { weight: 1, arbitrary: query('CancelAgentTasksByChatSession', { chat_session_id: ref('chat_session') }) },
  { weight: 1, arbitrary: query('CreateRetryTask', { id: ref('agent_task_queue') }) },
  { weight: 1, arbitrary: query('ClaimAgentTask', { agent_id: ref('agent') }) },
  { weight: 1, arbitrary: query('StartAgentTask', { id: ref('agent_task_queue') }) },
  { weight: 1, arbitrary: query('CompleteAgentTask', { id: ref('agent_task_queue'), result: literal(json), session_id: nullableText, work_dir: nullableText }) },
  { weight: 1, arbitrary: query('FailAgentTask', {
    id: ref('agent_task_queue'),
    error: textArg,
    failure_reason: literal(fc.option(failureReason, { nil: null })),
    session_id: nullableText,
    work_dir: nullableText,
  }) },
  { weight: 1, arbitrary: query('UpdateAgentTaskSession', { id: ref('agent_task_queue'), session_id: nullableText, work_dir: nullableText }) },
  { weight: 1, arbitrary: query('CancelAgentTask', { id: ref('agent_task_queue') }) },
  { weight: 1, arbitrary: query('GetAgentTask', { id: ref('agent_task_queue') }) },
  { weight: 1, arbitrary: query('GetAgent', { id: ref('agent') }) },
  { weight: 1, arbitrary: query('GetAgentInWorkspace', { id: ref('agent'), workspace_id: ref('workspace') }) },
  { weight: 1, arbitrary: query('RefreshAgentStatusFromTasks', { id: ref('agent') }) },
  { weight: 1, arbitrary: query('CountRunningTasks', { agent_id: ref('agent') }) },
  { weight: 1, arbitrary: query('ListQueuedClaimCandidatesByRuntime', { runtime_id: ref('agent_runtime') }) },
  { weight: 1, arbitrary: query('RecoverOrphanedTasksForRuntime', { runtime_id: ref('agent_runtime') }) },
  { weight: 1, arbitrary: query('FailStaleTasks', { dispatch_timeout_secs: literal(fc.constant(300)), running_timeout_secs: literal(fc.constant(9000)) }) },
  { weight: 1, arbitrary: query('FailTasksForOfflineRuntimes', {}) },
];

/** Every workflow, user side and daemon side, with inputs that reach each of its branches. */
/** The chat lifecycle gets the most weight: sessions, sends, claims, starts, completions, failures. */
export const workflowCommands: readonly fc.WeightedArbitrary<CommandSpec>[] = [
  { weight: 5, arbitrary: workflow('CreateChatSession', newSession, { title: fc.option(text, { nil: undefined }), invalid_body: rarely(true) }) },
  { weight: 2, arbitrary: workflow('ListChatSessions', lister('user_id'), { status: fc.option(fc.constantFrom('all', 'active'), { nil: undefined }) }) },
  { weight: 2, arbitrary: workflow('GetChatSession', sessionRoute(1)) },
  { weight: 2, arbitrary: workflow('ListChatMessages', sessionRoute(1)) },
  { weight: 2, arbitrary: workflow('MarkChatSessionRead', sessionRoute(1)) },
  { weight: 2, arbitrary: workflow('GetPendingChatTask', sessionRoute(1)) },
  { weight: 1, arbitrary: workflow('ListPendingChatTasks', lister('user_id')) },
  { weight: 6, arbitrary: workflow('SendChatMessage', sessionRoute(), { content: fc.oneof({ weight: 8, arbitrary: plainText.filter((t) => t !== '') }, { weight: 2, arbitrary: text }, { weight: 1, arbitrary: fc.constant(undefined) }), invalid_body: rarely(true) }) },
  { weight: 2, arbitrary: workflow('DeleteChatSession', sessionRoute(1)) },
  { weight: 2, arbitrary: workflow('CancelTaskByUser', taskRoute(1)) },
  { weight: 4, arbitrary: workflow('StartTask', daemonTaskRoute(4)) },
  { weight: 2, arbitrary: workflow('PinTaskSession', daemonTaskRoute(1), { session_id: optionalField, work_dir: optionalField }) },
  { weight: 2, arbitrary: workflow('GetTaskStatus', daemonTaskRoute(1)) },
  { weight: 4, arbitrary: workflow('CompleteTask', daemonTaskRoute(4), { output: optionalField, session_id: optionalField, work_dir: optionalField, pr_url: fc.option(plainText, { nil: undefined }), invalid_body: sometimes(true) }) },
  { weight: 3, arbitrary: workflow('FailTask', daemonTaskRoute(4), { error: optionalField, failure_reason: fc.option(failureReason, { nil: undefined }), session_id: optionalField, work_dir: optionalField, invalid_body: sometimes(true) }) },
  // Three, not one: its 400 (a runtime id that is not a UUID) is one call in fifteen, and at
  // weight 1 or 2 a default budget missed it at one seed in four to twelve.
  { weight: 3, arbitrary: workflow('RecoverOrphans', runtimeRoute) },
  { weight: 5, arbitrary: workflow('ClaimTask', runtimeRoute) },
  { weight: 1, arbitrary: workflow('SweepStaleTasks', fc.constant({})) },
  { weight: 1, arbitrary: workflow('SweepOfflineRuntimes', fc.constant({})) },
];

/**
 * One command: workflows are the bulk, direct query calls reach the arguments no handler would
 * send, and the world around chat (bootstrap below) grows and changes now and then.
 */
export const commandSpec: fc.Arbitrary<CommandSpec> = fc.oneof(
  { weight: 1, arbitrary: fc.oneof(...worldCommands.slice(0, 4)) },
  // Legacy archived sessions meet several guards (send, listings, pending tasks): give them room.
  { weight: 1, arbitrary: worldCommands[5]! },
  { weight: 1, arbitrary: fc.oneof(...worldCommands.slice(4)) },
  { weight: 10, arbitrary: fc.oneof(...workflowCommands) },
  { weight: 4, arbitrary: fc.oneof(...queryCommands.slice(0, CHAT_QUERIES)) },
  { weight: 2, arbitrary: fc.oneof(...queryCommands.slice(CHAT_QUERIES)) },
);

// ---------------------------------------------------------------------------------------------
// Turns: the product's own chains, kept whole

const newestSession: Arg = { ref: 'chat_session', pick: -1 };
/** The newest session's creator, in its workspace. */
const newestSessionRoute = {
  session_id: newestSession,
  workspace_id: columnOf(newestSession, 'chat_session', 'workspace_id', { ref: 'workspace', pick: 0 }),
  user_id: columnOf(newestSession, 'chat_session', 'creator_id', { ref: 'user', pick: 0 }),
};
const newestTask: Arg = { ref: 'agent_task_queue', pick: -1 };
const newestTaskSession = columnOf(newestTask, 'agent_task_queue', 'chat_session_id', { unknown: 1 });
const newestTaskWorkspace = columnOf(newestTaskSession, 'chat_session', 'workspace_id', { ref: 'workspace', pick: 0 });
const newestTaskRuntime = columnOf(newestTask, 'agent_task_queue', 'runtime_id', { ref: 'agent_runtime', pick: 0 });
const newestTaskRuntimeWorkspace = columnOf(newestTaskRuntime, 'agent_runtime', 'workspace_id', { literal: null });

/** Each step of a turn is there five times in six: shrinking can drop any of them. */
const step = (command: fc.Arbitrary<CommandSpec>) => fc.option(command, { nil: undefined, freq: 6 });

/**
 * One chat turn as the product runs it: half the time a new session first (sessions get deleted,
 * archived and cascaded away; without this most turns would find none), then the creator sends to
 * the newest session, and the daemon claims on the runtime of the newest task, starts it, pins its
 * session (half the time) and completes or fails it. As separate random commands such a chain is
 * rare (each link one command in twenty, aimed at the right row one time in a few), and with it
 * the running state and everything after it; as one command it comes whole, with any step left
 * out now and then.
 */
export const turn: fc.Arbitrary<readonly CommandSpec[]> = fc
  .tuple(
    fc.option(workflow('CreateChatSession', newSession), { nil: undefined, freq: 2 }),
    step(workflow('SendChatMessage', fc.constant(newestSessionRoute), { content: plainText.filter((t) => t !== '') })),
    step(workflow('ClaimTask', fc.constant({ runtime_id: newestTaskRuntime, runtime_workspace_id: newestTaskRuntimeWorkspace, workspace_id: newestTaskRuntimeWorkspace }))),
    step(workflow('StartTask', fc.constant({ task_id: newestTask, workspace_id: newestTaskWorkspace }))),
    fc.option(workflow('PinTaskSession', fc.constant({ task_id: newestTask, workspace_id: newestTaskWorkspace }), { session_id: optionalField, work_dir: optionalField }), { nil: undefined, freq: 2 }),
    step(
      fc.oneof(
        workflow('CompleteTask', fc.constant({ task_id: newestTask, workspace_id: newestTaskWorkspace }), { output: optionalField, session_id: optionalField, work_dir: optionalField }),
        workflow('FailTask', fc.constant({ task_id: newestTask, workspace_id: newestTaskWorkspace }), { error: optionalField, failure_reason: fc.option(failureReason, { nil: undefined }), session_id: optionalField, work_dir: optionalField }),
      ),
    ),
  )
  .map((steps) => steps.filter((spec): spec is CommandSpec => spec !== undefined));

/** What one fast-check command runs: a single command, or a turn. */
export const commandSteps: fc.Arbitrary<readonly CommandSpec[]> = fc.oneof(
  { weight: 19, arbitrary: commandSpec.map((spec) => [spec]) },
  { weight: 3, arbitrary: turn },
);

/**
 * The world every run starts with, built by commands like any other (and compared like them):
 * two workspaces, two users, three runtimes (one offline-able in the second workspace) and three
 * agents. Generated commands then grow, change and delete it; a run starting from nothing would
 * spend most of its commands failing on missing parents.
 */
export const bootstrap: readonly CommandSpec[] = [
  { kind: 'query', name: 'FixtureCreateWorkspace', args: { name: { literal: 'acme' }, slug: { fresh: 'ws-', table: 'workspace' } } },
  { kind: 'query', name: 'FixtureCreateWorkspace', args: { name: { literal: 'globex' }, slug: { fresh: 'ws-', table: 'workspace' } } },
  { kind: 'query', name: 'FixtureCreateUser', args: { name: { literal: 'ada' }, email: { fresh: 'user-', table: 'user' } } },
  { kind: 'query', name: 'FixtureCreateUser', args: { name: { literal: 'bob' }, email: { fresh: 'user-', table: 'user' } } },
  { kind: 'query', name: 'FixtureCreateRuntime', args: { workspace_id: { ref: 'workspace', pick: 0 }, name: { literal: 'laptop' } } },
  { kind: 'query', name: 'FixtureCreateRuntime', args: { workspace_id: { ref: 'workspace', pick: 0 }, name: { literal: 'cloud' } } },
  { kind: 'query', name: 'FixtureCreateRuntime', args: { workspace_id: { ref: 'workspace', pick: 1 }, name: { literal: 'server' } } },
  { kind: 'query', name: 'FixtureCreateAgent', args: { workspace_id: { ref: 'workspace', pick: 0 }, name: { fresh: 'agent-', table: 'agent' }, runtime_id: { ref: 'agent_runtime', pick: 0 } } },
  { kind: 'query', name: 'FixtureCreateAgent', args: { workspace_id: { ref: 'workspace', pick: 0 }, name: { fresh: 'agent-', table: 'agent' }, runtime_id: { ref: 'agent_runtime', pick: 1 } } },
  { kind: 'query', name: 'FixtureCreateAgent', args: { workspace_id: { ref: 'workspace', pick: 1 }, name: { fresh: 'agent-', table: 'agent' }, runtime_id: { ref: 'agent_runtime', pick: 2 } } },
];
