import type pg from 'pg';
import { SqlError } from '../../model/errors.js';
import type { Program, Step, StepDriver, StepResult } from '../../model/program.js';
import { bindArguments, runCountedQuery, type HiddenColumns } from '../postgres/run-query.js';
import type { RequiredQuery } from '../queries/required.js';
import type { NamedQuery, QuerySet } from '../sqlc/loader.js';
import { RealInstant, RealValues } from './real-values.js';

/**
 * Sees each step a PostgresDatabase performed and how it ended: its result, or the SqlError it
 * threw. For the bench's statement recording (src/sequential/statement-recording.ts); none by default.
 */
export type StepObserver = (step: Step, outcome: StepResult | SqlError) => void;

/**
 * Runs workflow programs on one PostgreSQL connection with the SQL under test — the twin of the
 * model's database (model/model-database.ts). Each 'query' step runs the named statement (autocommit unless inside begin/commit);
 * a server error is thrown into the program as a SqlError, as the model throws its own.
 */
export class PostgresDatabase implements StepDriver {
  readonly #client: pg.ClientBase;
  readonly #queries: QuerySet;
  readonly #contracts: ReadonlyMap<string, RequiredQuery>;
  readonly #hidden: HiddenColumns | undefined;
  readonly #rowCountsTell: boolean;
  #inTransaction = false;
  #wrote = false;
  #observer: StepObserver | undefined;

  /**
   * `hidden`: columns of the modelled tables the model does not know, left out of every result (see
   * runQuery). `rowCountsTell`: the database has no trigger or rule of its own, so a lone INSERT,
   * UPDATE or DELETE that counts 0 rows wrote nothing (see takeWrote).
   */
  constructor(client: pg.ClientBase, queries: QuerySet, contracts: ReadonlyMap<string, RequiredQuery>, { hidden, rowCountsTell = false }: { hidden?: HiddenColumns; rowCountsTell?: boolean } = {}) {
    this.#client = client;
    this.#queries = queries;
    this.#contracts = contracts;
    this.#hidden = hidden;
    this.#rowCountsTell = rowCountsTell;
  }

  /** Whether a transaction is open on the connection (begun and not yet committed or rolled back). */
  get inTransaction(): boolean {
    return this.#inTransaction;
  }

  /** The loaded query `name` (what it is, whether it can wait for a lock). */
  query(name: string): NamedQuery {
    return this.#queries.get(name);
  }

  async run<R>(program: Program<R>): Promise<R> {
    let next = program.next();
    while (!next.done) {
      let answer: StepResult;
      try {
        answer = await this.perform(next.value);
      } catch (error) {
        if (!(error instanceof SqlError)) throw error;
        next = program.throw(error);
        continue;
      }
      next = program.next(answer);
    }
    await this.assertNoOpenTransaction();
    return next.value;
  }

  /**
   * Whether a statement that can write (any query not marked read-only) ran since the last call —
   * but for a lone INSERT, UPDATE or DELETE that counted 0 rows where no trigger or rule can act:
   * it changed nothing. Lets the tester trust that tables it compared before are unchanged, without
   * asking the server.
   */
  takeWrote(): boolean {
    const wrote = this.#wrote;
    this.#wrote = false;
    return wrote;
  }

  /**
   * Rolls back a transaction a program left open because the tester stopped it midway (a
   * divergence inside begin…commit), so the next run starts on a clean connection.
   */
  async abandon(): Promise<void> {
    if (!this.#inTransaction) return;
    this.#inTransaction = false;
    await this.#client.query('ROLLBACK');
  }

  /** A workflow must end its transactions; one left open is rolled back and reported as a bug. */
  async assertNoOpenTransaction(): Promise<void> {
    if (!this.#inTransaction) return;
    await this.abandon();
    throw new Error('a workflow ended inside a transaction; it was rolled back');
  }

  /**
   * Hands every step performed from now on, with its outcome, to `observer` (undefined: stop).
   * Unobserved, perform is exactly what it was: one undefined check per step.
   */
  observeSteps(observer: StepObserver | undefined): void {
    this.#observer = observer;
  }

  /** Runs one step; a server error comes back as a thrown SqlError. */
  perform(step: Step): Promise<StepResult> {
    const observer = this.#observer;
    if (observer === undefined) return this.#perform(step);
    return this.#perform(step).then(
      (result) => {
        observer(step, result);
        return result;
      },
      (error: unknown) => {
        if (error instanceof SqlError) observer(step, error);
        throw error;
      },
    );
  }

  async #perform(step: Step): Promise<StepResult> {
    switch (step.op) {
      case 'query': {
        const query = this.#queries.get(step.name);
        const contract = this.#contracts.get(step.name) ?? { name: query.name, params: query.params.map((param) => param.name) };
        const values = bindArguments(contract, step.args).map(RealValues.toParameter);
        try {
          // Real rows carry RealId/RealInstant where model rows carry ids and Instants: workflows
          // treat both as opaque (=== and elapsedMs only), so one stands in for the other.
          const { result, rowCount } = await runCountedQuery(this.#client, query, values, this.#hidden);
          if (!query.readOnly && !(rowCount === 0 && query.countsItsWrites && this.#rowCountsTell)) this.#wrote = true;
          return result as StepResult;
        } catch (error) {
          if (!query.readOnly) this.#wrote = true;
          throw asSqlError(error);
        }
      }
      case 'begin':
      case 'commit':
      case 'rollback':
        try {
          await this.#client.query(step.op.toUpperCase());
        } catch (error) {
          throw asSqlError(error);
        }
        this.#inTransaction = step.op === 'begin';
        return { kind: 'done' };
      case 'elapsedMs':
        return { kind: 'value', value: elapsedMs(step.from, step.to) };
    }
  }
}

/** E(t) as the Go handler computes it: whole milliseconds, truncated, never negative. */
function elapsedMs(from: unknown, to: unknown): number | null {
  if (!(from instanceof RealInstant) || !(to instanceof RealInstant)) return null;
  return Math.max(0, Math.trunc((to.micros - from.micros) / 1000));
}

/** node-postgres errors carry the SQLSTATE in `code`; anything without one is not a server error. */
function asSqlError(error: unknown): unknown {
  const failure = error as { code?: unknown; message?: unknown; constraint?: unknown };
  if (typeof failure.code !== 'string' || !/^[0-9A-Z]{5}$/.test(failure.code)) return error;
  return new SqlError(failure.code, String(failure.message), typeof failure.constraint === 'string' ? failure.constraint : undefined);
}
