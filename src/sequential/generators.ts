import fc from 'fast-check';
import type { TableName } from '../../model/schema.js';
import type { Json, Value } from '../../model/values.js';
import type { WorkflowName } from '../../model/workflows/index.js';
import type { Arg, Args } from './arguments.js';
import { fullReach, type FixtureReach } from './reach.js';
import { specVocabulary, type Vocabulary } from './vocabulary.js';

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

/**
 * A value for a NOT NULL column an INSERT fills from its caller, NULL one time in ten (or `oneIn`): no handler
 * sends it, but a direct call must fail on it (23502), and with the NOT NULL gone it would not. (At
 * one in twenty, a dropped NOT NULL on chat_session.workspace_id or issue.workspace_id went unseen
 * at one seed in three.)
 */
const orNullArg = (arbitrary: fc.Arbitrary<Arg>, oneIn = 10): fc.Arbitrary<Arg> => fc.oneof({ weight: oneIn - 1, arbitrary }, { weight: 1, arbitrary: fc.constant<Arg>({ literal: null }) });

/** PostgreSQL text cannot hold NUL; everything else is fair game. */
const plainText = fc.string({ unit: fc.constantFrom(...'abcxyz019 '), maxLength: 12 });
const unicodeText = fc.string({ unit: 'grapheme', maxLength: 6 }).filter((text) => !text.includes('\u0000'));

/** `value` one time in twenty, else absent. */
const rarely = <T>(value: T): fc.Arbitrary<T | undefined> => fc.oneof({ weight: 19, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant(value) });
/** true one time in `n`, else false. */
const oneIn = (n: number): fc.Arbitrary<boolean> => fc.oneof({ weight: n - 1, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
/** `value` one time in ten: for a guard that only a call past an access rule can reach. */
const sometimes = <T>(value: T): fc.Arbitrary<T | undefined> => fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant(value) });
/**
 * A value for a NOT NULL column written by a direct query call, NULL one time in twenty (23502: no
 * handler sends it, but a query must fail on it as the model says, before anything else it checks).
 */
const orNull = <T extends Value>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.oneof({ weight: 19, arbitrary }, { weight: 1, arbitrary: fc.constant(null) });

/**
 * FailStaleTasks' timeouts: the real ones (300 s, 9000 s), which never elapse within a run, or a
 * negative one, which has elapsed for every task: `t < now() + |timeout|` holds for any time written
 * by an earlier transaction, on the model's ticks and on PostgreSQL's clock alike, even when two
 * transactions share a microsecond. Zero would need the clock to advance between the claim and the
 * sweep (`t < now()`), which the comparison of times never assumes (correspondence.ts); small
 * positive ones the model cannot decide at all (tasks.ts, timedOut).
 */
const staleTimeout = (real: number): fc.Arbitrary<Arg> =>
  literal(fc.oneof({ weight: 1, arbitrary: fc.constant(real) }, { weight: 2, arbitrary: fc.constantFrom(-1, -0.5, -3600) }));
const staleTimeouts = { dispatch_timeout_secs: staleTimeout(300), running_timeout_secs: staleTimeout(9000) };

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

/** The runtime a task is stamped with. */
const taskRuntime: fc.Arbitrary<Arg> = ref('agent_task_queue').map((task) => columnOf(task, 'agent_task_queue', 'runtime_id', { ref: 'agent_runtime', pick: 0 }));

/** A runtime: mostly any, else the one a task is stamped with, so that claims and recoveries find work (StartTask → 200 needs a claimed task). */
const runtimeRef: fc.Arbitrary<Arg> = fc.oneof({ weight: 2, arbitrary: pathRef('agent_runtime') }, { weight: 1, arbitrary: taskRuntime });

/** As runtimeRef, for a query's argument (a UUID column: never a path's non-UUID). */
const runtimeArg: fc.Arbitrary<Arg> = fc.oneof({ weight: 2, arbitrary: ref('agent_runtime') }, { weight: 1, arbitrary: taskRuntime });

/** A daemon's route on one runtime, with that runtime's workspace as the handler reads it. */
const runtimeRoute = runtimeRef.chain((runtime) => {
  const workspace = columnOf(runtime, 'agent_runtime', 'workspace_id', { literal: null });
  return fc.record({ runtime_id: fc.constant(runtime), runtime_workspace_id: fc.constant(workspace), workspace_id: usually(workspace, 'workspace') });
});

/** Creating a session: mostly with an agent of the caller's workspace. */
const newSession = fc.oneof({ weight: 10, arbitrary: pathRef('agent') }, { weight: 1, arbitrary: literal(fc.constant('')) }).chain((agent) =>
  fc.record({ agent_id: fc.constant(agent), workspace_id: usually(columnOf(agent, 'agent', 'workspace_id', { ref: 'workspace', pick: 0 }), 'workspace'), user_id: ref('user') }),
);

/** A session as the product creates one: an agent's (that may be gone), in its workspace. */
const sessionOfAnAgent = fc
  .nat({ max: 7 })
  .map((pick): Arg => ({ ref: 'agent', pick }))
  .chain((agent) => fc.record({ agent_id: fc.constant(agent), workspace_id: fc.constant(columnOf(agent, 'agent', 'workspace_id', { ref: 'workspace', pick: 0 })), user_id: ref('user') }));

const json: fc.Arbitrary<Json> = fc.record({ pr_url: fc.constant(''), output: plainText, session_id: plainText, work_dir: plainText });

/** An agent's capacity: 1 or 2 mostly (a claim stops at the first or second task in flight), 0 (it claims nothing), back to the default 6, or NULL (23502). */
const maxConcurrentTasks = literal(
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(1, 2) },
    { weight: 1, arbitrary: fc.constant(0) },
    { weight: 2, arbitrary: fc.constant(6) },
    { weight: 1, arbitrary: fc.constant(null) },
  ),
);
const priority = literal(fc.integer({ min: -1, max: 3 }));
/** An autopilot run: no table holds them, so any UUID; a few fixed ones, shared by tasks now and then. */
const autopilotRun = fc.nat({ max: 2 }).map((n): Arg => ({ unknown: 100 + n }));

/**
 * A UNIQUE column's value: fresh (`prefix` and the next id) four times in five, else the value an
 * existing row of `table` has (23505 while that row exists).
 */
const uniqueValue = (prefix: string, table: TableName, column: string): fc.Arbitrary<Arg> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant<Arg>({ fresh: prefix, table }) },
    { weight: 1, arbitrary: ref(table).map((row) => columnOf(row, table, column, { literal: `${prefix}1` })) },
  );

/** Creating an agent: mostly a fresh name, else (one time in five) the name of an existing agent in its workspace (agent_workspace_name_unique, 23505). */
const newAgent: fc.Arbitrary<Readonly<Record<string, Arg>>> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ workspace_id: orNullArg(ref('workspace')), name: orNullArg(fc.constant<Arg>({ fresh: 'agent-', table: 'agent' })), runtime_id: orNullArg(ref('agent_runtime')) }),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(ref('agent'), ref('agent_runtime')).map(([agent, runtime]) => ({
      workspace_id: columnOf(agent, 'agent', 'workspace_id', { ref: 'workspace', pick: 0 }),
      name: columnOf(agent, 'agent', 'name', { literal: 'agent-1' }),
      runtime_id: runtime,
    })),
  },
);

// ---------------------------------------------------------------------------------------------
// Commands

type Shape = Readonly<Record<string, fc.Arbitrary<Arg>>>;

// fc.record builds null-prototype objects in dictionary mode; a plain copy makes every later
// read of the arguments (once per command per world, and again on each shrink) a fast one.
const query = (name: string, shape: Shape): fc.Arbitrary<CommandSpec> =>
  fc.record(shape).map((args): CommandSpec => ({ kind: 'query', name, args: { ...args } }));

/** A query with arguments given as one record (routes that tie several arguments to one row). */
const queryWith = (name: string, args: fc.Arbitrary<Readonly<Record<string, Arg>>>): fc.Arbitrary<CommandSpec> =>
  args.map((record): CommandSpec => ({ kind: 'query', name, args: { ...record } }));

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

/** A fixed command (arguments that need no generating). */
const command = (kind: CommandSpec['kind'], name: string, args: Args): CommandSpec => ({ kind, name, args });

/** A listing query (workspace_id, creator_id) called by `lister`. */
const listedBy = (name: string): fc.Arbitrary<CommandSpec> => lister('creator_id').map((args): CommandSpec => ({ kind: 'query', name, args: { ...args } }));

const newestTask: Arg = { ref: 'agent_task_queue', pick: -1 };
const newestTaskRuntime = columnOf(newestTask, 'agent_task_queue', 'runtime_id', { ref: 'agent_runtime', pick: 0 });
const newestTaskRuntimeWorkspace = columnOf(newestTaskRuntime, 'agent_runtime', 'workspace_id', { literal: null });
const newestTaskRuntimeRoute = { runtime_id: newestTaskRuntime, runtime_workspace_id: newestTaskRuntimeWorkspace, workspace_id: newestTaskRuntimeWorkspace };
const newestIssue: Arg = { ref: 'issue', pick: -1 };
/**
 * The task claimed last (the newest dispatched_at): what the daemon starts, pins and ends after a
 * claim. Not the newest task: a claim takes the agent's oldest queued one, often sent a turn earlier.
 */
const claimedTask: Arg = { ref: 'agent_task_queue', pick: -1, by: 'dispatched_at' };
const claimedTaskWorkspace = columnOf(columnOf(claimedTask, 'agent_task_queue', 'chat_session_id', { unknown: 1 }), 'chat_session', 'workspace_id', { ref: 'workspace', pick: 0 });
const claimedTaskRuntime = columnOf(claimedTask, 'agent_task_queue', 'runtime_id', { ref: 'agent_runtime', pick: 0 });
const claimedTaskRuntimeWorkspace = columnOf(claimedTaskRuntime, 'agent_runtime', 'workspace_id', { literal: null });
const claimedTaskRuntimeRoute = { runtime_id: claimedTaskRuntime, runtime_workspace_id: claimedTaskRuntimeWorkspace, workspace_id: claimedTaskRuntimeWorkspace };

/** A session's route as its creator calls it, in its workspace. */
const creatorRoute = (session: Arg) => ({
  session_id: session,
  workspace_id: columnOf(session, 'chat_session', 'workspace_id', { ref: 'workspace', pick: 0 }),
  user_id: columnOf(session, 'chat_session', 'creator_id', { ref: 'user', pick: 0 }),
});

/**
 * The session a turn talks in: a live one (deleted sessions are left out while any other exists),
 * the newest six times in ten — usually the one the turn just created, or the last one it talked
 * in — else the one before it, or any.
 */
const turnSession: fc.Arbitrary<Arg> = fc
  .oneof(
    { weight: 6, arbitrary: fc.constant(-1) },
    { weight: 2, arbitrary: fc.constant(-2) },
    { weight: 1, arbitrary: fc.constant(-3) },
    { weight: 1, arbitrary: fc.nat({ max: 7 }) },
  )
  .map((pick): Arg => ({ ref: 'chat_session', pick, live: true }));

/** Each step of a turn is there five times in six: shrinking can drop any of them. */
const step = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 6 });

/** A part that is always there (but one time in a million), and that shrinking can still drop. */
const kept = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 1_000_000 });

/** What the generators produce: one command, and what one fast-check command runs. */
export interface CommandArbitraries {
  /** One command: what `--no-turns` runs, and what the search for a shorter case generates. */
  readonly command: fc.Arbitrary<CommandSpec>;
  /** A single command nineteen times in twenty-three, else a chat turn or a turn on an issue or autopilot task. */
  readonly steps: fc.Arbitrary<readonly CommandSpec[]>;
}

/**
 * The property's generators, drawing text from `vocabulary`: the spec's failure reasons and error
 * texts where a daemon sends them, and the string literals of the queries under test mixed into
 * every text argument, beside arbitrary text. Issues and autopilot tasks only as far as `reach`
 * says the schema under test takes chatcheck's fixture rows (all of them on the bundled one).
 */
export function commandArbitraries(vocabulary: Vocabulary, reach: FixtureReach = fullReach): CommandArbitraries {
  const literals = vocabulary.literals.length > 0 ? [{ weight: 2, arbitrary: fc.constantFrom(...vocabulary.literals) }] : [];
  const text: fc.Arbitrary<string> = fc.oneof(
    { weight: 2, arbitrary: fc.constant('') },
    { weight: 8, arbitrary: plainText },
    { weight: 2, arbitrary: unicodeText },
    { weight: 1, arbitrary: fc.constant('x'.repeat(5000)) },
    { weight: 1, arbitrary: fc.constantFrom('a\\nb', 'token=abc123', 'Bearer abcdefgh') },
    ...literals,
  );
  /** A NOT NULL text column written by a direct query call (NULL one time in ten). */
  const requiredText = orNullArg(literal(text));
  const nullableText = literal(fc.option(text, { nil: null, freq: 3 }));
  /** Optional body fields of the daemon: absent, '' (→ NULL in the handler) or a value. */
  const optionalField = fc.option(text, { nil: undefined, freq: 3 });
  /** A failure_reason: mostly one callers really send, else a literal of the queries or any text. */
  const failureReason = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...vocabulary.failureReasons) }, ...literals, { weight: 1, arbitrary: text });
  /** A failed task's error: a provider's or agent's words, or any text. */
  const errorText = fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...vocabulary.errorTexts) }, { weight: 3, arbitrary: text });
  const optionalError = fc.option(errorText, { nil: undefined, freq: 3 });
  /** A status or role column's value: the ones it takes, else a literal of the queries (mostly 23514). */
  const oneOf = (...values: string[]) => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...values) }, ...literals.map((l) => ({ ...l, weight: 1 })));

  /** The rows around chat: workspaces, users, runtimes, agents, issues and their tasks, and the changes the issue lists. */
  const worldCreates: readonly fc.Arbitrary<CommandSpec>[] = [
    query('FixtureCreateWorkspace', { name: requiredText, slug: orNullArg(uniqueValue('ws-', 'workspace', 'slug')) }),
    query('FixtureCreateUser', { name: requiredText, email: orNullArg(uniqueValue('user-', 'user', 'email')) }),
    query('FixtureCreateRuntime', { workspace_id: orNullArg(ref('workspace')), name: requiredText }),
    queryWith('FixtureCreateAgent', newAgent),
  ];
  /** Tasks chat does not create, for the same agents as chat's: the claim's other rules, the issue index and cascade. */
  const linkedTasks: readonly fc.Arbitrary<CommandSpec>[] = [
    ...(reach.issues ? [query('FixtureCreateIssue', { workspace_id: orNullArg(ref('workspace')) }), query('FixtureCreateIssueTask', { agent_id: ref('agent'), issue_id: ref('issue'), priority })] : []),
    ...(reach.autopilotRuns ? [query('FixtureCreateAutopilotTask', { agent_id: ref('agent'), autopilot_run_id: autopilotRun, priority })] : []),
    ...(reach.issues ? [query('FixtureDeleteIssue', { id: ref('issue') })] : []),
  ];
  const worldChanges: readonly fc.Arbitrary<CommandSpec>[] = [
    query('FixtureArchiveAgent', { id: ref('agent') }),
    // NULL one time in four (23502): an agent's runtime is NOT NULL, also when it moves (a turn moves agents too, never to NULL).
    query('FixtureMoveAgent', { runtime_id: orNullArg(ref('agent_runtime'), 4), id: ref('agent') }),
    query('FixtureSetAgentMaxConcurrentTasks', { max_concurrent_tasks: maxConcurrentTasks, id: ref('agent') }),
    query('FixtureRewriteTask', { id: ref('agent_task_queue') }),
    query('FixtureRewriteMessage', { id: ref('chat_message') }),
    query('FixtureDeleteAgent', { id: ref('agent') }),
    query('FixtureDeleteUser', { id: ref('user') }),
    query('FixtureDeleteWorkspace', { id: ref('workspace') }),
    query('FixtureDeleteRuntime', { id: ref('agent_runtime') }),
  ];

  /**
   * Every query under test, called directly with generated arguments: chat.sql's, then tasks.sql's.
   * State-changing queries weigh more than reads: subtle bugs live in writes, and reads of a state
   * no write shaped find little.
   */
  const chatQueries: readonly fc.WeightedArbitrary<CommandSpec>[] = [
    { weight: 5, arbitrary: query('CreateChatSession', { workspace_id: orNullArg(ref('workspace')), agent_id: orNullArg(ref('agent')), creator_id: orNullArg(ref('user')), title: requiredText }) },
    { weight: 1, arbitrary: query('GetChatSession', { id: ref('chat_session') }) },
    { weight: 1, arbitrary: query('GetChatSessionInWorkspace', { id: ref('chat_session'), workspace_id: ref('workspace') }) },
    { weight: 1, arbitrary: listedBy('ListChatSessionsByCreator') },
    { weight: 1, arbitrary: listedBy('ListAllChatSessionsByCreator') },
    { weight: 3, arbitrary: query('UpdateChatSessionTitle', { id: ref('chat_session'), title: requiredText }) },
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
      chat_session_id: orNullArg(ref('chat_session')),
      role: literal(orNull(oneOf('user', 'assistant', 'system'))),
      content: requiredText,
      task_id: fc.oneof(literal(fc.constant(null)), ref('agent_task_queue')),
      failure_reason: literal(fc.option(failureReason, { nil: null, freq: 3 })),
      elapsed_ms: literal(fc.option(fc.nat({ max: 100_000 }), { nil: null })),
    }) },
    { weight: 1, arbitrary: query('ListChatMessages', { chat_session_id: ref('chat_session') }) },
    { weight: 1, arbitrary: query('GetChatMessage', { id: ref('chat_message') }) },
    { weight: 3, arbitrary: query('CreateChatTask', { agent_id: orNullArg(ref('agent')), runtime_id: ref('agent_runtime'), priority: literal(orNull(fc.integer({ min: -1, max: 3 }))), chat_session_id: ref('chat_session') }) },
    { weight: 1, arbitrary: query('GetLastChatTaskSession', { chat_session_id: ref('chat_session') }) },
    { weight: 1, arbitrary: query('GetPendingChatTask', { chat_session_id: ref('chat_session') }) },
    { weight: 1, arbitrary: listedBy('ListPendingChatTasksByCreator') },
    { weight: 3, arbitrary: query('MarkChatSessionRead', { id: ref('chat_session') }) },
    { weight: 3, arbitrary: query('SetUnreadSinceIfNull', { id: ref('chat_session') }) },
  ];
  const taskQueries: readonly fc.WeightedArbitrary<CommandSpec>[] = [
    { weight: 1, arbitrary: query('CancelAgentTasksByChatSession', { chat_session_id: ref('chat_session') }) },
    { weight: 1, arbitrary: query('CreateRetryTask', { id: ref('agent_task_queue') }) },
    { weight: 1, arbitrary: query('ClaimAgentTask', { agent_id: ref('agent') }) },
    { weight: 1, arbitrary: query('StartAgentTask', { id: ref('agent_task_queue') }) },
    { weight: 1, arbitrary: query('CompleteAgentTask', { id: ref('agent_task_queue'), result: literal(json), session_id: nullableText, work_dir: nullableText }) },
    { weight: 1, arbitrary: query('FailAgentTask', {
      id: ref('agent_task_queue'),
      error: literal(errorText),
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
    { weight: 1, arbitrary: query('RecoverOrphanedTasksForRuntime', { runtime_id: runtimeArg }) },
    { weight: 1, arbitrary: query('FailStaleTasks', staleTimeouts) },
    { weight: 1, arbitrary: query('FailTasksForOfflineRuntimes', {}) },
  ];

  const failTaskBody = { error: optionalError, failure_reason: fc.option(failureReason, { nil: undefined }), session_id: optionalField, work_dir: optionalField };

  /**
   * Every workflow, user side and daemon side, with inputs that reach each of its branches. The
   * chat lifecycle gets the most weight: sessions, sends, claims, starts, completions, failures.
   */
  const workflowCommands: readonly fc.WeightedArbitrary<CommandSpec>[] = [
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
    { weight: 3, arbitrary: workflow('FailTask', daemonTaskRoute(4), { ...failTaskBody, invalid_body: sometimes(true) }) },
    // Three, not one: its 400 (a runtime id that is not a UUID) is one call in fifteen, and at
    // weight 1 or 2 a default budget missed it at one seed in four to twelve.
    { weight: 3, arbitrary: workflow('RecoverOrphans', runtimeRoute) },
    { weight: 5, arbitrary: workflow('ClaimTask', runtimeRoute) },
    // Mostly with the server's timeouts, else with ones that have elapsed (see staleTimeouts).
    { weight: 1, arbitrary: workflow('SweepStaleTasks', fc.oneof(fc.constant({}), fc.record(staleTimeouts))) },
    { weight: 1, arbitrary: workflow('SweepOfflineRuntimes', fc.constant({})) },
  ];

  /**
   * One command: workflows are the bulk, direct query calls reach the arguments no handler would
   * send, and the world around chat (bootstrap below) grows and changes now and then.
   */
  const single: fc.Arbitrary<CommandSpec> = fc.oneof(
    { weight: 2, arbitrary: fc.oneof(...worldCreates) },
    // Legacy archived sessions meet several guards (send, listings, pending tasks): give them room.
    { weight: 2, arbitrary: query('FixtureArchiveChatSession', { id: ref('chat_session') }) },
    { weight: 2, arbitrary: fc.oneof(...worldChanges) },
    // A heartbeat flips a runtime more often than anything else changes. Half the time the runtime
    // of a task (the offline sweep fails only tasks in flight on an offline runtime); NULL one time
    // in four: at one in ten a dropped NOT NULL on agent_runtime.status went unseen at three seeds
    // in ten (an UPDATE of no row checks nothing, so the NULL must also meet a runtime). A slot of
    // its own: as a heavier entry among worldChanges it thinned out the agent changes beside it.
    { weight: 1, arbitrary: query('FixtureSetRuntimeStatus', { status: orNullArg(literal(oneOf('online', 'offline')), 4), id: runtimeArg }) },
    // From here on in the run, scans without indexes: the order a query leaves to an index shows.
    { weight: 2, arbitrary: query('FixtureScanWithoutIndexes', {}) },
    ...(linkedTasks.length > 0 ? [{ weight: 2, arbitrary: fc.oneof(...linkedTasks) }] : []),
    { weight: 20, arbitrary: fc.oneof(...workflowCommands) },
    { weight: 8, arbitrary: fc.oneof(...chatQueries) },
    { weight: 4, arbitrary: fc.oneof(...taskQueries) },
  );

  // -------------------------------------------------------------------------------------------
  // Turns: the product's own chains, kept whole

  const onClaimedTask = { task_id: claimedTask, workspace_id: claimedTaskWorkspace };
  /**
   * How a chat turn's task ends: the daemon completes or fails it, or — now and then — it fails
   * under the daemon: the runtime goes offline and the sweep finds it, the daemon restarts and
   * recovers its orphans, or the stale sweep (with timeouts that elapsed) times it out.
   */
  const turnEnd: fc.Arbitrary<readonly CommandSpec[]> = fc.oneof(
    { weight: 6, arbitrary: workflow('CompleteTask', fc.constant(onClaimedTask), { output: optionalField, session_id: optionalField, work_dir: optionalField }).map((spec) => [spec]) },
    { weight: 4, arbitrary: workflow('FailTask', fc.constant(onClaimedTask), failTaskBody).map((spec) => [spec]) },
    {
      weight: 1,
      arbitrary: fc.constant([
        command('query', 'FixtureSetRuntimeStatus', { status: { literal: 'offline' }, id: claimedTaskRuntime }),
        command('workflow', 'SweepOfflineRuntimes', {}),
      ]),
    },
    { weight: 1, arbitrary: fc.constant([command('workflow', 'RecoverOrphans', claimedTaskRuntimeRoute)]) },
    { weight: 1, arbitrary: query('FailStaleTasks', staleTimeouts).map((spec) => [spec]) },
    { weight: 1, arbitrary: fc.record(staleTimeouts).map((args) => [command('workflow', 'SweepStaleTasks', args)]) },
  );

  /**
   * One chat turn as the product runs it: half the time a new session first (sessions get deleted,
   * archived and cascaded away; without this most turns would find none), then the creator sends to
   * a live session (mostly the newest: see turnSession), and the daemon claims on the runtime of the
   * newest task, then starts the task it claimed, pins its session (once, twice or not) and
   * completes or fails it (turnEnd), with reads between the steps (the pending task, the creator's
   * running list, the resume fallback, the conversation). As
   * separate random commands such a chain is rare (each link one command in twenty, aimed at the
   * right row one time in a few), and with it the running state and everything after it; as one
   * command it comes whole, with any step left out now and then.
   */
  const content = plainText.filter((t) => t !== '');
  const send = (session: Arg, text: string): CommandSpec => command('workflow', 'SendChatMessage', { ...creatorRoute(session), content: { literal: text } });
  /**
   * The session's agent moved to another runtime, and a second message: the claim on the newest
   * task's runtime then meets the agent's older task, queued for the runtime it left (ClaimTask's
   * "another runtime's task stays dispatched" branch). One time in six the runtime the session was
   * stamped with is then deleted (refused while an agent still uses it): its sessions keep nothing of it.
   * One time in twenty the agent is archived instead of moved: the second send meets the handler's
   * archived-agent guard (as separate commands, an archive of the very agent of a live session
   * before a send to it was missing from one default budget in ten). Rarely: every later send to
   * the session meets the guard too.
   */
  const moveAndSendAgain = fc.tuple(ref('agent_runtime'), content, oneIn(6), oneIn(20));
  const agentOf = (session: Arg): Arg => columnOf(session, 'chat_session', 'agent_id', { ref: 'agent', pick: 0 });
  // A tuple, not a chain on the session: fast-check shrinks each part of a tuple on its own.
  const pinStep = workflow('PinTaskSession', fc.constant(onClaimedTask), { session_id: optionalField, work_dir: optionalField });
  /** A read now and then: fc.option's `freq` 4 leaves it out one time in four. */
  const sometimesRead = fc.option(fc.constant(true), { nil: undefined, freq: 4 });
  const turn: fc.Arbitrary<readonly CommandSpec[]> = fc
    .tuple(
      turnSession,
      // One turn in four first turns index scans off for the rest of the run: most runs then read by sequential scans from some turn on.
      oneIn(4),
      fc.option(workflow('CreateChatSession', newSession), { nil: undefined, freq: 2 }),
      // The session a turn with a rewrite creates when it creates none: without a live session (half
      // the turns) its sends find none (404).
      workflow('CreateChatSession', sessionOfAnAgent),
      step(content),
      fc.option(moveAndSendAgain, { nil: undefined, freq: 6 }),
      // The page reopened while tasks wait: the pending task the frontend shows (the newest of several, after a second send).
      sometimesRead,
      // One turn in three, the task the claim takes first and the older of the two newest messages
      // stored anew, and index scans off (a rewrite in place leaves index order as it was): later
      // scans meet them out of insertion order. The turn sends again first (creating a session if it
      // created none), so the claim chooses between two queued tasks of one agent at one priority:
      // only created_at orders them (with a single send, a claim without that ORDER BY item went
      // unseen at four seeds in ten). Each part is always there but shrinks away on its own: a case
      // that needs only the session the rewrite created keeps only that.
      fc.option(fc.record({ text: kept(content), scans: kept(fc.constant(true)), tasks: kept(fc.constant(true)), message: kept(fc.constant(true)) }), { nil: undefined, freq: 3 }),
      step(workflow('ClaimTask', fc.constant(newestTaskRuntimeRoute))),
      step(workflow('StartTask', fc.constant(onClaimedTask))),
      // The page reopened with the task running: the creator's running indicator and the session's pending task.
      sometimesRead,
      // The daemon reports its session, and maybe again (only a work dir, say): what a second report keeps of the first.
      fc.array(pinStep, { maxLength: 2 }),
      // The resume fallback as a claim would read it now, with the task running and maybe pinned.
      sometimesRead,
      step(turnEnd),
      // After the end: the resume fallback the session's next claim reads, and the page opened on the session.
      sometimesRead,
      sometimesRead,
    )
    .map(([session, scans, maybeCreate, sessionToSendTwice, first, moved, pending, rewrite, claim, start, running, pins, resume, end, resumeAfter, messagesAfter]) => {
      const { session_id: _, ...creator } = creatorRoute(session);
      const readResume = command('query', 'GetLastChatTaskSession', { chat_session_id: session });
      const create = maybeCreate ?? (rewrite !== undefined ? sessionToSendTwice : undefined);
      return [
        scans ? command('query', 'FixtureScanWithoutIndexes', {}) : undefined,
        create,
        first === undefined ? undefined : send(session, first),
        ...(moved === undefined
          ? []
          : [
              moved[3] ? command('query', 'FixtureArchiveAgent', { id: agentOf(session) }) : command('query', 'FixtureMoveAgent', { runtime_id: moved[0], id: agentOf(session) }),
              send(session, moved[1]),
              ...(moved[2] ? [command('query', 'FixtureDeleteRuntime', { id: columnOf(session, 'chat_session', 'runtime_id', { ref: 'agent_runtime', pick: 0 }) })] : []),
            ]),
        pending ? command('query', 'GetPendingChatTask', { chat_session_id: session }) : undefined,
        ...(rewrite !== undefined
          ? [
              rewrite.text === undefined ? undefined : send(session, rewrite.text),
              rewrite.scans === undefined ? undefined : command('query', 'FixtureScanWithoutIndexes', {}),
              // Three times: see FixtureRewriteFirstQueuedTask.
              ...(rewrite.tasks === undefined ? [] : Array.from({ length: 3 }, () => command('query', 'FixtureRewriteFirstQueuedTask', { agent_id: agentOf(session) }))),
              rewrite.message === undefined ? undefined : command('query', 'FixtureRewriteMessage', { id: { ref: 'chat_message', pick: -2 } }),
            ]
          : []),
        claim,
        start,
        ...(running ? [command('workflow', 'ListPendingChatTasks', creator), command('workflow', 'GetPendingChatTask', creatorRoute(session))] : []),
        ...pins,
        resume ? readResume : undefined,
        ...(end ?? []),
        resumeAfter ? readResume : undefined,
        // The page opened on the session: it lists the conversation, asks for the pending task (none,
        // or a retry, once the task has ended: a read that took an ended task for a pending one went
        // unseen at three seeds in ten without this) and marks it read.
        ...(messagesAfter
          ? [command('workflow', 'ListChatMessages', creatorRoute(session)), command('workflow', 'GetPendingChatTask', creatorRoute(session)), command('workflow', 'MarkChatSessionRead', creatorRoute(session))]
          : []),
      ].filter((spec): spec is CommandSpec => spec !== undefined);
    });

  /**
   * A task of an issue (or, one time in four, of an autopilot run) through the task queries, for an
   * agent that has chat tasks too: a third of the time a new capacity for the agent first, half the
   * time a new issue in the agent's workspace; a task of the newest issue, a claim for the agent
   * and a start, then a second task of the same issue (a 23505 while the first is queued or
   * dispatched), a claim again (held back while the first runs: the claim's rule 1), half the time
   * the daemon's claim on the agent's runtime (which stops at the agent's capacity), and an end —
   * complete, fail, cancel (directly, or by a user: the cancel route's issue branch), a retry (the
   * unique index again), or the issue deleted (its cascade). The issue side's handlers are not
   * modelled (no workflow); its queries are the ones chat uses. Without issues (see FixtureReach)
   * every task is an autopilot run's; without either there is no such turn.
   */
  const linkedTurn = ref('agent').chain((agent) => {
    const autopilotTask = query('FixtureCreateAutopilotTask', { agent_id: fc.constant(agent), autopilot_run_id: autopilotRun, priority });
    const issueTask = reach.issues ? query('FixtureCreateIssueTask', { agent_id: fc.constant(agent), issue_id: fc.constant(newestIssue), priority }) : autopilotTask;
    const firstTask = reach.issues && reach.autopilotRuns ? fc.oneof({ weight: 3, arbitrary: issueTask }, { weight: 1, arbitrary: autopilotTask }) : issueTask;
    const newIssue = query('FixtureCreateIssue', { workspace_id: orNullArg(fc.constant(columnOf(agent, 'agent', 'workspace_id', { ref: 'workspace', pick: 0 }))) });
    const claim = fc.constant(command('query', 'ClaimAgentTask', { agent_id: agent }));
    const task = fc.constantFrom<Arg>(newestTask, { ref: 'agent_task_queue', pick: -2 });
    const end = fc.oneof(
      query('CompleteAgentTask', { id: task, result: literal(json), session_id: nullableText, work_dir: nullableText }),
      query('FailAgentTask', { id: task, error: literal(errorText), failure_reason: literal(fc.option(failureReason, { nil: null })), session_id: nullableText, work_dir: nullableText }),
      query('CancelAgentTask', { id: task }),
      workflow('CancelTaskByUser', fc.record({ task_id: task, workspace_id: fc.constant(columnOf(agent, 'agent', 'workspace_id', { ref: 'workspace', pick: 0 })), user_id: ref('user') })),
      query('CreateRetryTask', { id: task }),
      ...(reach.issues ? [fc.constant(command('query', 'FixtureDeleteIssue', { id: newestIssue }))] : []),
    );
    const runtime = columnOf(agent, 'agent', 'runtime_id', { ref: 'agent_runtime', pick: 0 });
    const runtimeWorkspace = columnOf(runtime, 'agent_runtime', 'workspace_id', { literal: null });
    return fc
      .tuple(
        fc.option(query('FixtureSetAgentMaxConcurrentTasks', { max_concurrent_tasks: maxConcurrentTasks, id: fc.constant(agent) }), { nil: undefined, freq: 3 }),
        reach.issues ? fc.option(newIssue, { nil: undefined, freq: 2 }) : fc.constant(undefined),
        step(firstTask),
        step(claim),
        step(query('StartAgentTask', { id: fc.constant(claimedTask) })),
        step(issueTask),
        step(claim),
        fc.option(fc.constant(command('workflow', 'ClaimTask', { runtime_id: runtime, runtime_workspace_id: runtimeWorkspace, workspace_id: runtimeWorkspace })), { nil: undefined, freq: 2 }),
        step(end),
      )
      .map((steps) => steps.filter((spec): spec is CommandSpec => spec !== undefined));
  });

  return {
    command: single,
    steps: fc.oneof(
      { weight: 19, arbitrary: single.map((spec) => [spec]) },
      { weight: 3, arbitrary: turn },
      ...(reach.issues || reach.autopilotRuns ? [{ weight: 1, arbitrary: linkedTurn }] : []),
    ),
  };
}

/** The generators with the spec's vocabulary alone, for callers without a query set (the benchmark, model-only tests). */
const withSpecVocabulary = commandArbitraries(specVocabulary);
/** One command (see CommandArbitraries.command), text drawn from the spec's vocabulary only. */
export const commandSpec: fc.Arbitrary<CommandSpec> = withSpecVocabulary.command;
/** What one fast-check command runs (see CommandArbitraries.steps), text drawn from the spec's vocabulary only. */
export const commandSteps: fc.Arbitrary<readonly CommandSpec[]> = withSpecVocabulary.steps;

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
