/**
 * The values the model deals in. Ids and times are symbolic, because the model cannot know what
 * gen_random_uuid() or now() will return on a real server:
 *
 * - an id is a string naming its table and the order rows appeared in it, e.g. `chat_session:3`;
 *   the tester maps each real UUID one-to-one onto the model id of the same row;
 * - a time is an Instant: the logical tick of the transaction that wrote it (now() is the start
 *   of the current transaction, so every statement of one transaction shares a tick); ticks only
 *   say which times are equal and which is later;
 * - a duration derived from two times (chat_message.elapsed_ms) is an Elapsed that remembers its
 *   two Instants, so the tester can compute the exact value from the real timestamps.
 */
export type ModelId = string;

/** The logical time of one transaction. Interned: the same tick is always the same object. */
export class Instant {
  static readonly #byTick = new Map<number, Instant>();

  private constructor(readonly tick: number) {}

  static at(tick: number): Instant {
    let instant = Instant.#byTick.get(tick);
    if (instant === undefined) {
      instant = new Instant(tick);
      Instant.#byTick.set(tick, instant);
    }
    return instant;
  }

  toString(): string {
    return `t${this.tick}`;
  }
}

/** Whole milliseconds from `from` to `to`, truncated and clamped at 0 — as the handler computes E(t). */
export class Elapsed {
  constructor(
    readonly from: Instant,
    readonly to: Instant,
  ) {}

  toString(): string {
    return `ms(${this.from}→${this.to})`;
  }
}

/** A JSON document (the jsonb columns: task result and context). */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/**
 * A column value. Real values (from node-postgres) have the same shape, with the symbolic kinds
 * replaced by whatever the real interpreter uses for UUIDs and timestamps.
 */
export type Value = null | boolean | number | string | Instant | Elapsed | Json;

export type Row = Readonly<Record<string, Value>>;
