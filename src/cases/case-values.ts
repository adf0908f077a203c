import { Elapsed, Instant, type Json, type Value } from '../../model/values.js';
import type { Arg, Args } from '../sequential/arguments.js';
import type { CommandSpec } from '../sequential/generators.js';

/**
 * A literal value in a case file. Plain JSON stands for itself; what JSON cannot say is tagged, an
 * object with a single `$` key: `{"$instant": 3}` (the model's time of tick 3), `{"$elapsed": [2, 5]}`
 * (the milliseconds from tick 2 to tick 5), `{"$number": "-Infinity"}` (a number JSON has no
 * literal for, -0 included). A JSON document that itself has a single `$` key is wrapped as
 * `{"$json": …}`, so that no value reads back as another.
 */
export function encodeValue(value: Value): unknown {
  if (value instanceof Instant) return { $instant: value.tick };
  if (value instanceof Elapsed) return { $elapsed: [value.from.tick, value.to.tick] };
  if (typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0))) return { $number: Object.is(value, -0) ? '-0' : String(value) };
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && looksTagged(value)) return { $json: value };
  return value;
}

/** The value a tagged or plain literal stands for; a problem (what is wrong with it) when it is neither. */
export function decodeValue(json: unknown): Value | { readonly problem: string } {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return json as Value;
  const record = json as Record<string, unknown>;
  if (!looksTagged(record)) return json as Json;
  const [[tag, body]] = Object.entries(record) as [[string, unknown]];
  const tick = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  switch (tag) {
    case '$instant':
      return tick(body) ? Instant.at(body as number) : { problem: '"$instant" takes a tick, a whole number from 0' };
    case '$elapsed':
      return Array.isArray(body) && body.length === 2 && body.every(tick) ? new Elapsed(Instant.at(body[0] as number), Instant.at(body[1] as number)) : { problem: '"$elapsed" takes two ticks, like [2, 5]' };
    case '$number': {
      const numbers: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };
      return typeof body === 'string' && body in numbers ? numbers[body]! : { problem: '"$number" takes "NaN", "Infinity", "-Infinity" or "-0"' };
    }
    case '$json':
      return body !== null && typeof body === 'object' ? (body as Json) : { problem: '"$json" takes an object' };
    default:
      return { problem: `unknown tag "${tag}" (tags: $instant, $elapsed, $number, $json)` };
  }
}

function looksTagged(value: object): boolean {
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0]!.startsWith('$');
}

/** A command as a case file holds it: its literals encoded (see encodeValue). */
export function encodeCommand(spec: CommandSpec): unknown {
  return { kind: spec.kind, name: spec.name, args: encodeArgs(spec.args) };
}

function encodeArgs(args: Args): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).map(([name, arg]) => [name, encodeArg(arg)]));
}

function encodeArg(arg: Arg): unknown {
  if ('literal' in arg) return { literal: encodeValue(arg.literal) };
  if ('columnOf' in arg) return { ...arg, columnOf: encodeArg(arg.columnOf), otherwise: encodeArg(arg.otherwise) };
  return arg;
}
