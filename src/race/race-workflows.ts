import type { Outcome, Program } from '../../model/program.js';
import { variantWorkflow, workflowVariants, type WorkflowName } from '../../model/workflows/index.js';
import type { Arg, Args } from '../sequential/arguments.js';
import type { RealWorkflows } from '../sequential/free-run.js';
import type { CommandSpec } from '../sequential/generators.js';

/**
 * The workflows the explorer races, each with the inputs it is called with in every schedule and the
 * start it needs: all act on one chat session S (the newest) and its first task T, as a user and a
 * daemon would at the same moment. A pair starts from the stage the more demanding of its two
 * needs, built by the prelude of that stage (run and compared in lockstep before any schedule).
 */
export type Stage = 'session' | 'queued' | 'dispatched' | 'running';

const STAGES: readonly Stage[] = ['session', 'queued', 'dispatched', 'running'];

export interface RaceWorkflow {
  /** The short name used by --pair (send, delete, …). */
  readonly name: string;
  readonly workflow: WorkflowName;
  readonly stage: Stage;
  readonly args: Args;
}

const workspace: Arg = { ref: 'workspace', pick: 0 };
const user: Arg = { ref: 'user', pick: 0 };
const agent: Arg = { ref: 'agent', pick: 0 };
const runtime: Arg = { ref: 'agent_runtime', pick: 0 };
const session: Arg = { ref: 'chat_session', pick: -1 };
const task: Arg = { ref: 'agent_task_queue', pick: 0 };
const text = (value: string): Arg => ({ literal: value });

const route = { session_id: session, workspace_id: workspace, user_id: user };
const daemonTask = { task_id: task, workspace_id: workspace };
const daemonRuntime = { runtime_id: runtime, runtime_workspace_id: workspace, workspace_id: workspace };

export const raceWorkflows: readonly RaceWorkflow[] = [
  { name: 'send', workflow: 'SendChatMessage', stage: 'session', args: { ...route, content: text('please fix the build') } },
  { name: 'delete', workflow: 'DeleteChatSession', stage: 'session', args: route },
  { name: 'mark-read', workflow: 'MarkChatSessionRead', stage: 'session', args: route },
  { name: 'create-session', workflow: 'CreateChatSession', stage: 'session', args: { agent_id: agent, workspace_id: workspace, user_id: user, title: text('another') } },
  { name: 'claim', workflow: 'ClaimTask', stage: 'queued', args: daemonRuntime },
  { name: 'cancel-task', workflow: 'CancelTaskByUser', stage: 'queued', args: { task_id: task, workspace_id: workspace, user_id: user } },
  { name: 'start', workflow: 'StartTask', stage: 'dispatched', args: daemonTask },
  { name: 'pin', workflow: 'PinTaskSession', stage: 'running', args: { ...daemonTask, session_id: text('sess-1'), work_dir: text('/work/repo') } },
  { name: 'complete', workflow: 'CompleteTask', stage: 'running', args: { ...daemonTask, output: text('done'), session_id: text('sess-1'), work_dir: text('/work/repo') } },
  { name: 'fail', workflow: 'FailTask', stage: 'running', args: { ...daemonTask, error: text('invalid_request_error'), failure_reason: text('agent_error') } },
  { name: 'fail-retry', workflow: 'FailTask', stage: 'running', args: { ...daemonTask, error: text('agent ran past its limit'), failure_reason: text('timeout') } },
];

export const raceWorkflowNames: readonly string[] = raceWorkflows.map((workflow) => workflow.name);

export function raceWorkflow(name: string): RaceWorkflow | undefined {
  return raceWorkflows.find((workflow) => workflow.name === name);
}

const step = (name: WorkflowName, args: Args): CommandSpec => ({ kind: 'workflow', name, args });

/** The prelude of each stage, after the bootstrap world: a session, then a task sent, claimed, started. */
const PRELUDE: readonly CommandSpec[] = [
  step('CreateChatSession', { agent_id: agent, workspace_id: workspace, user_id: user, title: text('race') }),
  step('SendChatMessage', { ...route, content: text('hello') }),
  step('ClaimTask', daemonRuntime),
  step('StartTask', daemonTask),
];

/** A second message once T is claimed, so that a racing claim has a queued task to take. */
const SECOND_SEND = step('SendChatMessage', { ...route, content: text('and the tests') });

/** The commands that build the start of a race between `workflows`, after the bootstrap world. */
export function preludeOf(workflows: readonly RaceWorkflow[]): readonly CommandSpec[] {
  const stage = Math.max(...workflows.map((workflow) => STAGES.indexOf(workflow.stage)));
  const prelude = PRELUDE.slice(0, stage + 1);
  const claims = workflows.some((workflow) => workflow.workflow === 'ClaimTask');
  return claims && stage >= STAGES.indexOf('dispatched') ? [...prelude, SECOND_SEND] : prelude;
}

/**
 * The workflows of a race by name (`send`, `delete`), each replaced by the variant among `variants`
 * that is a version of its operation (delete:v1 replaces DeleteChatSession), if any — on both
 * sides: a variant is what the model's serial orders run too. `realWorkflows` (workflow mutants)
 * replace an operation on PostgreSQL's side only, the model keeping the catalogue's workflow (or
 * the variant, when both are given).
 */
export function racingWorkflows(names: readonly string[], variants: readonly string[] = [], realWorkflows?: RealWorkflows): RacingWorkflow[] {
  return names.map((name) => {
    const race = raceWorkflow(name);
    if (race === undefined) throw new Error(`unknown race workflow ${name}`);
    const realProgram = realWorkflows?.get(race.workflow);
    const mutated: RacingWorkflow = realProgram === undefined ? race : { ...race, realProgram };
    const variant = variants.find((candidate) => workflowVariants[candidate]?.of === race.workflow);
    if (variant === undefined) return mutated;
    const program = variantWorkflow(variant, race.workflow) as (input: Readonly<Record<string, unknown>>) => Program<Outcome>;
    return { ...mutated, variant, program };
  });
}

/** A workflow of a race as it runs: the catalogue's, or a variant (another program for the same inputs). */
export interface RacingWorkflow extends RaceWorkflow {
  /** The variant's name, when one replaces the catalogue's workflow (delete:v1). */
  readonly variant?: string;
  /** Builds the program from resolved inputs; the catalogue's workflow when absent. */
  readonly program?: (input: Readonly<Record<string, unknown>>) => Program<Outcome>;
  /**
   * PostgreSQL's program in place of `program` (a workflow mutant): the sessions run it, while the
   * model's serial outcomes, which judge them, are still computed with `program` (or the catalogue's).
   * Unlike a variant it does not change which known findings the race matches (known-findings.ts):
   * a mutant is not credited with a defect the 60b workflows already have.
   */
  readonly realProgram?: (input: Readonly<Record<string, unknown>>) => Program<Outcome>;
}
