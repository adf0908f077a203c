/**
 * The catalogue of workflows, as data: operation name → generator function and its input type. Each
 * one is written once and runs on the model database and on PostgreSQL alike.
 *
 * Ids in inputs are opaque Values (model ids or real ids). A path/body id that is not a UUID is the
 * string NOT_A_UUID ('not-a-uuid'); workflows answer 400 for it before any statement.
 */
import type { Outcome, Program } from '../program.js';
import { cancelTaskByUser, type CancelTaskByUserInput } from './cancel.js';
import { claim, type ClaimInput } from './claim.js';
import { completeTask, type CompleteTaskInput } from './complete.js';
import {
  getTaskStatus,
  pinTaskSession,
  startTask,
  type GetTaskStatusInput,
  type PinTaskSessionInput,
  type StartTaskInput,
} from './daemon.js';
import { deleteChatSession, type DeleteChatSessionInput } from './delete.js';
import { deleteChatSessionTxNoLock, deleteChatSessionV1 } from './delete-variants.js';
import {
  failTask,
  recoverOrphans,
  sweepOfflineRuntimes,
  sweepStaleTasks,
  type FailTaskInput,
  type RecoverOrphansInput,
  type StaleSweepInput,
  type SweepInput,
} from './failures.js';
import { sendChatMessage, type SendChatMessageInput } from './send.js';
import {
  createChatSession,
  getChatSession,
  getPendingChatTask,
  listChatMessages,
  listChatSessions,
  listPendingChatTasks,
  markChatSessionRead,
  type CreateChatSessionInput,
  type ListChatSessionsInput,
  type ListPendingChatTasksInput,
  type SessionRouteInput,
} from './sessions.js';

/** Each workflow's input type, by operation name. */
export interface WorkflowInputs {
  // user side (§1–§6)
  CreateChatSession: CreateChatSessionInput;
  ListChatSessions: ListChatSessionsInput;
  GetChatSession: SessionRouteInput;
  ListChatMessages: SessionRouteInput;
  MarkChatSessionRead: SessionRouteInput;
  GetPendingChatTask: SessionRouteInput;
  ListPendingChatTasks: ListPendingChatTasksInput;
  SendChatMessage: SendChatMessageInput;
  DeleteChatSession: DeleteChatSessionInput;
  CancelTaskByUser: CancelTaskByUserInput;
  // daemon side (§7–§10)
  StartTask: StartTaskInput;
  PinTaskSession: PinTaskSessionInput;
  GetTaskStatus: GetTaskStatusInput;
  CompleteTask: CompleteTaskInput;
  FailTask: FailTaskInput;
  RecoverOrphans: RecoverOrphansInput;
  ClaimTask: ClaimInput;
  // server-internal (§9 sweepers)
  SweepStaleTasks: StaleSweepInput;
  SweepOfflineRuntimes: SweepInput;
}

export type WorkflowName = keyof WorkflowInputs;

export type Workflow<I> = (input: I) => Program<Outcome>;

export type WorkflowCatalogue = { readonly [K in WorkflowName]: Workflow<WorkflowInputs[K]> };

export const workflows: WorkflowCatalogue = {
  CreateChatSession: createChatSession,
  ListChatSessions: listChatSessions,
  GetChatSession: getChatSession,
  ListChatMessages: listChatMessages,
  MarkChatSessionRead: markChatSessionRead,
  GetPendingChatTask: getPendingChatTask,
  ListPendingChatTasks: listPendingChatTasks,
  SendChatMessage: sendChatMessage,
  DeleteChatSession: deleteChatSession,
  CancelTaskByUser: cancelTaskByUser,
  StartTask: startTask,
  PinTaskSession: pinTaskSession,
  GetTaskStatus: getTaskStatus,
  CompleteTask: completeTask,
  FailTask: failTask,
  RecoverOrphans: recoverOrphans,
  ClaimTask: claim,
  SweepStaleTasks: sweepStaleTasks,
  SweepOfflineRuntimes: sweepOfflineRuntimes,
};

export const workflowNames: readonly WorkflowName[] = Object.keys(workflows) as WorkflowName[];

/** Runs a workflow by name with an input of its type. */
export function workflow<K extends WorkflowName>(name: K, input: WorkflowInputs[K]): Program<Outcome> {
  return (workflows[name] as Workflow<WorkflowInputs[K]>)(input);
}

/**
 * Another version of operation `of` (an earlier commit, or the final one with a step removed), run in
 * its place by the race explorer to show what the final version fixed. Not 60b behaviour.
 */
export interface WorkflowVariant<K extends WorkflowName = WorkflowName> {
  readonly of: K;
  readonly workflow: Workflow<WorkflowInputs[K]>;
  readonly description: string;
}

/** A variant of any operation; narrowing on `of` types its workflow's input. */
export type AnyWorkflowVariant = { [K in WorkflowName]: WorkflowVariant<K> }[WorkflowName];

export const workflowVariants: Readonly<Record<string, AnyWorkflowVariant>> = {
  'delete:v1': {
    of: 'DeleteChatSession',
    workflow: deleteChatSessionV1,
    description: 'PR #2115 first commit: cancel and delete as separate autocommits, no lock; a cancel error is only logged',
  },
  'delete:tx-no-lock': {
    of: 'DeleteChatSession',
    workflow: deleteChatSessionTxNoLock,
    description: 'the final delete without LockChatSessionForDelete: cancel and delete in one transaction',
  },
};

export const variantNames: readonly string[] = Object.keys(workflowVariants);

/** The workflow of variant `name`, typed as operation `of`; throws unless `name` is a variant of `of`. */
export function variantWorkflow<K extends WorkflowName>(name: string, of: K): Workflow<WorkflowInputs[K]> {
  const variant = workflowVariants[name];
  if (variant === undefined) throw new Error(`unknown workflow variant ${name} (known: ${variantNames.join(', ')})`);
  if (variant.of !== of) throw new Error(`workflow variant ${name} is a variant of ${variant.of}, not of ${of}`);
  return variant.workflow as Workflow<WorkflowInputs[K]>;
}

export { NOT_A_UUID, type Caller, type PathId } from './common.js';
export { deleteChatSessionV1, deleteChatSessionTxNoLock } from './delete-variants.js';
export { loadSession, type SessionRouteInput } from './sessions.js';
export { enqueueChatTask } from './send.js';
export { cancelTask } from './cancel.js';
export { daemonTaskAccess, type DaemonTaskInput } from './daemon.js';
export { runtimeAccess, type DaemonRuntimeInput } from './runtime.js';
export { maybeRetryFailedTask, handleFailedTasks, RETRYABLE_FAILURE_REASONS } from './failures.js';
export { claimTask, claimTaskForRuntime, resumeDecision, lastUserMessage, type ResumeDecision } from './claim.js';
export { redact, unescape } from './text.js';
export { traced, injectFaults, runBefore, stepLabel, type TracedStep, type Fault } from './instrument.js';
export * as fixtures from './fixtures.js';
