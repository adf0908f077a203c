import { Instant, type ModelId } from '../../model/values.js';
import { RealId, RealInstant } from '../sql/real-values.js';

/**
 * What the tester has learned about how the two worlds line up:
 *
 * - ids: a one-to-one map between model ids and real UUIDs, learned as rows appear. A real UUID
 *   the map does not expect where the model has a known id (or the reverse) is a divergence.
 * - times: for each model tick, the real timestamp of that transaction. The model only knows
 *   order, so the check is order-only: one tick is one real value (statements of one transaction
 *   share now()), and a later tick is never an earlier real time. Two transactions may get the
 *   same microsecond (a tie): that is allowed, so no comparison depends on the clock advancing.
 *
 * Learning is tentative inside `attempt`, so a failed trial pairing leaves nothing behind.
 */
export class Correspondence {
  readonly #realByModel = new Map<ModelId, RealId>();
  readonly #modelByReal = new Map<RealId, ModelId>();
  readonly #microsByTick = new Map<number, number>();
  /** What was learned during the current attempt, to forget it if the attempt fails. */
  #journal: (() => void)[] | undefined;

  /**
   * @param timeOrder whether a later tick must be a later (or equal) real time. The race explorer
   *   turns it off: a statement that waited keeps its transaction's earlier now(), so real times
   *   follow transaction starts, not the serial order the model ran, and only equality is checked
   *   (one tick is one real value).
   */
  constructor(readonly timeOrder = true) {}

  /** A copy that learns on its own from here on (for a run that starts where this one stands). */
  copy(timeOrder = this.timeOrder): Correspondence {
    if (this.#journal !== undefined) throw new Error('Correspondence.copy inside an attempt');
    const copy = new Correspondence(timeOrder);
    for (const [model, real] of this.#realByModel) copy.#learnId(model, real);
    for (const [tick, micros] of this.#microsByTick) copy.#learnTime(tick, micros);
    return copy;
  }

  /** Runs `trial`; keeps what it learned only if it returns true. */
  attempt(trial: () => boolean): boolean {
    const outer = this.#journal;
    const journal: (() => void)[] = [];
    this.#journal = journal;
    let kept = false;
    try {
      kept = trial();
      return kept;
    } finally {
      this.#journal = outer;
      if (!kept) for (const undo of journal.reverse()) undo();
      else outer?.push(...journal);
    }
  }

  #learnId(model: ModelId, real: RealId): void {
    this.#realByModel.set(model, real);
    this.#modelByReal.set(real, model);
    this.#journal?.push(() => {
      this.#realByModel.delete(model);
      this.#modelByReal.delete(real);
    });
  }

  #learnTime(tick: number, micros: number): void {
    this.#microsByTick.set(tick, micros);
    this.#journal?.push(() => this.#microsByTick.delete(tick));
  }

  /** Pairs ids (learning the pair when both are new); returns why not when they cannot be the same row. */
  matchId(model: ModelId, real: RealId): string | undefined {
    const known = this.#realByModel.get(model);
    const knownModel = this.#modelByReal.get(real);
    if (known === real) return undefined;
    if (known !== undefined) return `${model} is ${known.uuid}, not ${real.uuid}`;
    if (knownModel !== undefined) return `${real.uuid} is ${knownModel}, not ${model}`;
    this.#learnId(model, real);
    return undefined;
  }

  /** Pre-registers an id both worlds agree on in advance, e.g. an "unknown id" a command uses. */
  declare(model: ModelId, real: RealId): void {
    const mismatch = this.matchId(model, real);
    if (mismatch) throw new Error(`cannot declare ${model} = ${real.uuid}: ${mismatch}`);
  }

  /** Model ids of `table` both worlds have shown (rows that exist or existed), in creation order. */
  knownIds(table: string): ModelId[] {
    const prefix = `${table}:`;
    return [...this.#realByModel.keys()]
      .filter((id) => id.startsWith(prefix))
      .sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)));
  }

  realId(model: ModelId): RealId | undefined {
    return this.#realByModel.get(model);
  }

  modelId(real: RealId): ModelId | undefined {
    return this.#modelByReal.get(real);
  }

  /** Pairs a tick with a real timestamp, checking equality (and order, with timeOrder) against what is known. */
  matchTime(model: Instant, real: RealInstant): string | undefined {
    const known = this.#microsByTick.get(model.tick);
    if (known !== undefined) {
      return known === real.micros ? undefined : `${model} is ${formatMicros(known)} elsewhere, ${real.text} here`;
    }
    for (const [tick, micros] of this.timeOrder ? this.#microsByTick : []) {
      if (tick < model.tick && micros > real.micros) return `${model} (${real.text}) is earlier than the earlier t${tick} (${formatMicros(micros)})`;
      if (tick > model.tick && micros < real.micros) return `${model} (${real.text}) is later than the later t${tick} (${formatMicros(micros)})`;
    }
    this.#learnTime(model.tick, real.micros);
    return undefined;
  }

  /** The real time of a tick, once some value has shown it. */
  micros(model: Instant): number | undefined {
    return this.#microsByTick.get(model.tick);
  }
}

export function formatMicros(micros: number): string {
  const date = new Date(Math.floor(micros / 1000)).toISOString().replace('T', ' ').replace('Z', '');
  return `${date}${String(micros % 1000).padStart(3, '0')}`;
}
