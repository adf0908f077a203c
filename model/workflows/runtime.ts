/**
 * The access rule of the daemon's runtime routes (claim, recover-orphans). There is no runtime query
 * among the queries under test, so the caller passes what it knows of the runtime row: its
 * workspace, or null when the runtime does not exist.
 */
import type { Value } from '../values.js';
import { fail, isNotAUuid, pass, stop, type Guarded, type PathId } from './common.js';

export interface DaemonRuntimeInput {
  /** The workspace the calling daemon is entitled to. */
  readonly workspace_id: Value;
  /** Path `runtimeId`; NOT_A_UUID → 400 "invalid runtime_id". */
  readonly runtime_id: PathId;
  /** agent_runtime.workspace_id of that runtime; null → 404 "runtime not found". */
  readonly runtime_workspace_id: Value;
}

/** Decided without a statement: 400 for a non-UUID id, 404 for a missing or foreign runtime. */
export function runtimeAccess(input: DaemonRuntimeInput): Guarded<Value> {
  if (isNotAUuid(input.runtime_id)) return stop(fail(400, 'invalid runtime_id'));
  if (input.runtime_workspace_id === null) return stop(fail(404, 'runtime not found'));
  if (input.runtime_workspace_id !== input.workspace_id) return stop(fail(404, 'not found'));
  return pass(input.runtime_workspace_id);
}
