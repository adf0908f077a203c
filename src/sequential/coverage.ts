/**
 * Reading a sequential report's coverage (see World: `query <Name>` — the query returned a row or
 * rows, or affected at least one row: reached, not merely called —, `query <Name> → <outcome>` and
 * `workflow <Name> → <status>[ <error>]`, how a command ended) against what a budget is expected to reach, and the guards
 * a workflow source declares, so that a list of expected outcomes can be held to the model it names.
 * Pure: no database, no file system.
 */

/** The keys of `expected` that `coverage` never counted, in the order given. */
export function unreached(coverage: ReadonlyMap<string, number>, expected: Iterable<string>): string[] {
  return [...expected].filter((key) => (coverage.get(key) ?? 0) === 0);
}

/** The label World counts when a workflow ends with `outcome` (`201`, `404 chat session not found`). */
export function workflowLabel(name: string, outcome: string): string {
  return `workflow ${name} → ${outcome}`;
}

/** One `fail(<status>, <message>)` of a workflow source. */
export interface SourceGuard {
  /** As written: `400 'content is required'`, `400 \`start task: ${…}\``, `400 result.error.message`. */
  readonly source: string;
  /** How the message is written: a literal, a template, or an expression (any message). */
  readonly message: 'literal' | 'template' | 'expression';
  /** Matches the outcomes (`<status> <message>`) this guard can answer. */
  readonly pattern: RegExp;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Every `fail(<3-digit status>, <message>)` in a TypeScript source, in source order. A string
 * literal matches itself; in a template each `${…}` matches any text; any other expression (an
 * error's message) matches any message.
 */
export function failGuards(source: string): SourceGuard[] {
  const guards: SourceGuard[] = [];
  for (const [, status, message] of source.matchAll(/\bfail\((\d{3}),\s*('[^'\n]*'|`[^`\n]*`|[^)\n]*)\)/g)) {
    const text = message!.trim();
    const kind = text.startsWith("'") ? 'literal' : text.startsWith('`') ? 'template' : 'expression';
    const body =
      kind === 'literal' ? escape(text.slice(1, -1)) : kind === 'template' ? text.slice(1, -1).split(/\$\{[^}]*\}/).map(escape).join('.+') : '.+';
    guards.push({ source: `${status} ${text}`, message: kind, pattern: new RegExp(`^${status} ${body}$`) });
  }
  return guards;
}
