/**
 * A value as plain JSON for reports: real UUIDs and timestamps as their text, model times as
 * `t<tick>`, elapsed times as `ms(tA→tB)`; everything else as it is.
 */
export function plain(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(plain);
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (prototype !== Object.prototype && prototype !== null) return String(value);
  return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, plain(member)]));
}
