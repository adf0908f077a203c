import type { Outcome, Program } from '../../model/program.js';
import type { WorkflowName } from '../../model/workflows/index.js';

/**
 * A mutant: one small wrong version of the SQL under test, of the schema, or of a workflow. The
 * tester is as good as the mutants it kills; `chatcheck mutate` runs the sequential property and
 * the race explorer against each one.
 */
export type MutantFamily = 'sql' | 'schema' | 'workflow';

interface MutantBase {
  /** Stable across runs and machines: `sql:SetUnreadSinceIfNull:drop-conjunct:2`. */
  readonly id: string;
  readonly family: MutantFamily;
  /** One line: what was changed, e.g. `SetUnreadSinceIfNull: drop "unread_since IS NULL" from WHERE`. */
  readonly description: string;
}

/** A query file or a migration rewritten: the whole new text of one file (the others unchanged). */
export interface FileMutant extends MutantBase {
  readonly family: 'sql' | 'schema';
  /** The file changed, by base name (`chat.sql`, `005_agent_task_queue.up.sql`). */
  readonly file: string;
  /** The file's whole text with the one change made. */
  readonly text: string;
}

/** A handler changed: PostgreSQL's side runs `program` in place of the catalogue's workflow `of`; the model keeps the spec. */
export interface WorkflowMutant extends MutantBase {
  readonly family: 'workflow';
  readonly of: WorkflowName;
  readonly program: (input: Readonly<Record<string, unknown>>) => Program<Outcome>;
}

export type Mutant = FileMutant | WorkflowMutant;
