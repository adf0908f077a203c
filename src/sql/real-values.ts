import pg from 'pg';

/**
 * How the tester sees values from PostgreSQL, so that comparison can be driven by type instead of
 * by column names: a UUID arrives as a RealId and a timestamptz as a RealInstant. RealIds are
 * interned per RealValues, so workflows can compare ids with === in both worlds.
 */
export class RealId {
  constructor(readonly uuid: string) {}

  toString(): string {
    return this.uuid;
  }
}

/** A timestamptz with its full microsecond precision (a JS Date would drop the last three digits). */
export class RealInstant {
  constructor(
    readonly text: string,
    /** Microseconds since the Unix epoch. Exact: below 2^53 until the year 2255. */
    readonly micros: number,
  ) {}

  toString(): string {
    return this.text;
  }
}

const { builtins } = pg.types;

export class RealValues {
  readonly #ids = new Map<string, RealId>();

  id(uuid: string): RealId {
    let id = this.#ids.get(uuid);
    if (id === undefined) {
      id = new RealId(uuid);
      this.#ids.set(uuid, id);
    }
    return id;
  }

  readonly #parseId = (text: string): RealId => this.id(text);

  /** Type parsers for a pg.Client: uuid → RealId, timestamptz → RealInstant, int8 → number. */
  readonly types: pg.CustomTypesConfig = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
      switch (oid) {
        case builtins.UUID:
          return this.#parseId;
        case builtins.TIMESTAMPTZ:
          return parseTimestamptz;
        case builtins.INT8:
          // Counts and elapsed_ms; no value the chat tables hold comes near 2^53.
          return (text: string) => Number(text);
        default:
          return pg.types.getTypeParser(oid, format);
      }
    }) as pg.CustomTypesConfig['getTypeParser'],
  };

  /** A value as a query parameter: RealId and RealInstant go back as the text they came as. */
  static toParameter(value: unknown): unknown {
    if (value instanceof RealId) return value.uuid;
    if (value instanceof RealInstant) return value.text;
    return value;
  }
}

/** Parses PostgreSQL's ISO output under TimeZone UTC, e.g. `2026-11-26 10:25:00.123456+00`. */
export function parseTimestamptz(text: string): RealInstant {
  const match = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?\+00$/.exec(text);
  if (!match) throw new Error(`unexpected timestamptz text "${text}": the session must run with TimeZone = UTC and DateStyle = ISO`);
  const [, year, month, day, hour, minute, second, fraction = ''] = match;
  const millis = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  return new RealInstant(text, millis * 1000 + Number(fraction.padEnd(6, '0')));
}
