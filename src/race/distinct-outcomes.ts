import { SqlError } from '../../model/errors.js';
import type { SerialOutcome } from '../../model/serial-orders.js';
import { tableNames } from '../../model/schema.js';
import type { State } from '../../model/state.js';
import { Elapsed, Instant } from '../../model/values.js';

/**
 * The serial outcomes of a race, one of each kind. Two serial orders often end alike but for the
 * names the model gave the rows and ticks they created (a send then a send numbers the messages
 * 1, 2; the other way round 2, 1): such outcomes are one outcome. Ids and ticks of the start stay
 * as they are; new ones are renamed in the order a fixed walk meets them (the answers first, then
 * each table's rows), which is the same walk for alike outcomes.
 */
export function distinctOutcomes(outcomes: readonly SerialOutcome[], start: State): SerialOutcome[] {
  const seen = new Set<string>();
  return outcomes.filter((outcome) => {
    const key = outcomeKey(outcome, start);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const ID = /^([a-z_]+):(\d+)$/;

function outcomeKey(outcome: SerialOutcome, start: State): string {
  const names = new Map<unknown, string>();
  const isNewId = (value: string) => {
    const match = ID.exec(value);
    return match !== null && (tableNames as readonly string[]).includes(match[1]!) && Number(match[2]) > start.lastIds[match[1] as keyof typeof start.lastIds];
  };
  const rename = (value: unknown): unknown => {
    if (value instanceof Instant) {
      if (value.tick <= start.lastTick) return value.toString();
      if (!names.has(value)) names.set(value, `t*${names.size}`);
      return names.get(value);
    }
    if (value instanceof Elapsed) return `ms(${String(rename(value.from))}→${String(rename(value.to))})`;
    if (typeof value === 'string' && isNewId(value)) {
      if (!names.has(value)) names.set(value, `${value.slice(0, value.indexOf(':'))}:*${names.size}`);
      return names.get(value);
    }
    if (Array.isArray(value)) return value.map(rename);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, rename(v)]));
    return value;
  };
  // A row's place among its table's rows must not depend on the names the model gave: sort by
  // content, with new ids and ticks the answers already named by those names and the rest masked.
  const masked = (value: unknown): string =>
    JSON.stringify(value, (_, v: unknown) => {
      if (v instanceof Instant) return v.tick <= start.lastTick ? v.toString() : (names.get(v) ?? 't*');
      if (v instanceof Elapsed) return 'ms';
      if (typeof v === 'string' && isNewId(v)) return names.get(v) ?? '*';
      return v;
    });
  const answers = outcome.answers.map((answer) => (answer instanceof SqlError ? { sqlstate: answer.code } : rename(answer)));
  const tables = tableNames.map((table) => {
    const keyed = outcome.state
      .table(table)
      .rows()
      .map((row) => ({ row, key: masked(row) }));
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return keyed.map(({ row }) => rename(row));
  });
  return JSON.stringify([answers, outcome.errors, tables]);
}
