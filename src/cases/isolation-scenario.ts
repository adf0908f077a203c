import { sessionLetter } from '../race/schedule.js';
import { renderTimeline } from '../race/timeline.js';
import type { RaceCase } from './case-file.js';
import { badStateQuery, type BadStateQuery } from './isolation-bad-state.js';
import { valueText, type IsolationRecording, type SentStatement } from './isolation-recording.js';
import { capturing, fillParameters, sqlLiteral, withoutBraces, type Capture } from './isolation-sql.js';

/** The table a race export keeps the ids and times PostgreSQL made during the race in (see IsolationScenario). */
export const CAPTURE_TABLE = 'chatcheck_race_values';

/** SQLSTATE 57014: a statement the explorer cancelled (to break a deadlock, or when the schedule stopped). */
const CANCELLED = '57014';

/** One statement of one session, as a named step. */
export interface IsolationStep {
  /** Unique, and readable in the output: `a5_CreateChatTask`. */
  readonly name: string;
  readonly session: number;
  /** The query's name, or BEGIN / COMMIT / ROLLBACK. */
  readonly label: string;
  /** The statement with its values filled in, without a trailing `;` (and without a brace: see isolation-sql.ts). */
  readonly sql: string;
  /** Comment lines: what the recorded run saw. */
  readonly notes: readonly string[];
}

export interface IsolationSession {
  readonly letter: string;
  /** The workflow the session runs, as the race report names it. */
  readonly call: string;
  /** Run once when the session connects. */
  readonly setup: string;
}

/**
 * A race case as a script for sessions to play, whatever plays it (an isolation spec, a psql shell
 * script): the setup, the sessions, the steps in the order the explorer sent them, and what shows
 * the bad state.
 *
 * Ids and times PostgreSQL makes during the race (gen_random_uuid() and now() defaults) differ on
 * every run, so a later statement cannot name them as literals. The statement that first returned
 * such a value (a `:one … RETURNING *`) is wrapped in a data-modifying CTE that also inserts the
 * value into CAPTURE_TABLE, made by the setup, under a name (`a5.id`: step a5's column id); the
 * later statement reads it back there, `(SELECT value FROM chatcheck_race_values WHERE name =
 * 'a5.id')::uuid`, in place of the literal. The statements are otherwise exactly those sent.
 */
export interface IsolationScenario {
  /** Comment lines: what the case is, what the recorded run did. */
  readonly header: readonly string[];
  readonly setup: readonly string[];
  readonly teardown: readonly string[];
  readonly sessions: readonly IsolationSession[];
  readonly steps: readonly IsolationStep[];
  readonly badState?: BadStateQuery;
  /** Comment lines: which step's own output shows the bad state, when that is how it shows. */
  readonly shownBy: readonly string[];
  /** The session PostgreSQL's deadlock detector must pick, as chatcheck did (a deadlock case). */
  readonly victim?: number;
  readonly usesCaptures: boolean;
}

export function isolationScenario(recording: IsolationRecording, raceCase: RaceCase): IsolationScenario {
  const { statements, race, result } = recording;
  const verdict = result.verdict;
  const victim = verdict.ok || verdict.kind !== 'deadlock' ? undefined : verdict.victim;

  // Which values made during the race a later statement sends, and the answer that first brought each.
  const producers = new Map<string, { entry: SentStatement; column: string; row: number }>();
  for (const entry of [...statements].sort((a, b) => (a.answeredAs ?? Infinity) - (b.answeredAs ?? Infinity))) {
    if (entry.result === undefined || !('rows' in entry.result)) continue;
    entry.result.rows.forEach((row, r) => {
      for (const [column, value] of Object.entries(row)) {
        const text = valueText(value);
        if (text !== undefined && !recording.startValues.has(text) && !producers.has(text)) producers.set(text, { entry, column, row: r });
      }
    });
  }
  const counters = new Map<number, number>();
  const names = new Map<SentStatement, string>();
  for (const entry of statements) {
    const n = (counters.get(entry.session) ?? 0) + 1;
    counters.set(entry.session, n);
    names.set(entry, `${sessionLetter(entry.session).toLowerCase()}${n}_${labelOf(entry)}`);
  }
  const captures = new Map<SentStatement, Capture[]>();
  const captured = new Map<string, string>();
  for (const entry of statements) {
    for (const value of entry.values) {
      const producer = typeof value === 'string' ? producers.get(value) : undefined;
      if (producer === undefined || captured.has(value as string) || producer.entry === entry) continue;
      const stepName = names.get(producer.entry)!.split('_')[0]!;
      const list = captures.get(producer.entry) ?? [];
      const name = `${stepName}.${producer.column}${list.some((capture) => capture.column === producer.column) ? `#${producer.row}` : ''}`;
      const many = producer.entry.query?.kind === 'one' ? undefined : producer.row;
      list.push({ name, column: producer.column, ...(many === undefined ? {} : { row: many }) });
      captures.set(producer.entry, list);
      captured.set(value as string, name);
    }
  }

  const steps = statements.map((entry): IsolationStep => {
    let sql = entry.text;
    if (entry.query !== undefined) {
      sql = fillParameters(entry.query.sql, (n) => {
        const value = entry.values[n - 1];
        const type = entry.types[n - 1];
        const name = typeof value === 'string' ? captured.get(value) : undefined;
        if (name !== undefined) return `(SELECT value FROM ${CAPTURE_TABLE} WHERE name = '${name}')${type === undefined ? '' : `::${type}`}`;
        return sqlLiteral(value, type);
      });
      const list = captures.get(entry);
      if (list !== undefined) sql = capturing(sql, CAPTURE_TABLE, list);
    }
    return { name: names.get(entry)!, session: entry.session, label: labelOf(entry), sql: withoutBraces(sql), notes: notesOf(entry, victim, statements) };
  });

  const call = (i: number) => `${sessionLetter(i)} = ${race.calls[i]}`;
  const sessions = race.calls.map((_, i): IsolationSession => ({
    letter: sessionLetter(i),
    call: race.calls[i]!,
    setup: [
      `SET TimeZone = 'UTC'`,
      `SET DateStyle = 'ISO, YMD'`,
      // PostgreSQL's detector aborts the session whose check runs first: the victim's runs at once, the others' never.
      ...(victim === undefined ? [] : [`SET deadlock_timeout = '${i === victim ? '10ms' : '60s'}'`]),
    ].join('; '),
  }));
  const usesCaptures = captures.size > 0;
  const recorded = verdict.ok ? 'no finding: the case no longer reproduces on these queries' : `${verdict.kind}${verdict.kind === 'invariant' ? ` "${verdict.invariant.name}"` : ''}`;
  const header = [
    `The race ${raceCase.pair.join(',')}${raceCase.variants.length > 0 ? ` (${raceCase.variants.join(', ')})` : ''} in schedule ${raceCase.schedule || '(serial)'}${raceCase.overlap ? '' : ' (no overlap)'}:`,
    ...race.calls.map((_, i) => `  ${call(i)}`),
    `The case expects: ${raceCase.expected.kind}${raceCase.expected.invariant === undefined ? '' : ` "${raceCase.expected.invariant}"`}${raceCase.expected.known === undefined ? '' : ` (known finding ${raceCase.expected.known})`}.`,
    `The run that wrote this found: ${recorded}. It went:`,
    ...renderTimeline(result.execution.timeline, race.calls.length).map((line) => `  ${line}`),
  ];
  const shownBy: string[] = [];
  if (victim !== undefined) {
    const failed = steps.filter((step) => step.session === victim && step.notes.some((note) => note.includes('40P01'))).at(-1);
    shownBy.push(`The bad state is the deadlock itself: ${failed?.name ?? `a step of session ${sessionLetter(victim)}`} fails with ERROR: deadlock detected (SQLSTATE 40P01).`);
  } else if (!verdict.ok && verdict.kind === 'unexpected-error') {
    shownBy.push(`The bad state is the error of session ${sessionLetter(verdict.session)}: SQLSTATE ${verdict.sqlstate}, which no serial order gives (expected: ${verdict.expected.join(', ') || 'none'}).`);
  } else if (!verdict.ok && verdict.kind === 'waited') {
    shownBy.push(`The bad state is the wait: ${verdict.step} of session ${sessionLetter(verdict.session)} waits for a lock, though it skips locked rows.`);
  } else if (!verdict.ok && verdict.kind === 'hang') {
    shownBy.push(`The bad state is a hang: ${verdict.stuck}.`);
  }
  const badState = badStateQuery(raceCase.expected);
  return {
    header,
    setup: [
      ...(usesCaptures ? [`DROP TABLE IF EXISTS ${CAPTURE_TABLE}; CREATE TABLE ${CAPTURE_TABLE} (name text NOT NULL, value text NOT NULL)`] : []),
      `SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD';\n${withoutBraces(recording.setup)}`,
    ],
    teardown: [recording.reset, ...(usesCaptures ? [`DROP TABLE IF EXISTS ${CAPTURE_TABLE}`] : [])],
    sessions,
    steps,
    ...(badState === undefined ? {} : { badState }),
    shownBy,
    ...(victim === undefined ? {} : { victim }),
    usesCaptures,
  };
}

function labelOf(entry: SentStatement): string {
  return entry.query?.name ?? entry.text.trim().split(/\s+/)[0]!.toUpperCase();
}

/** What the recorded run saw of a statement, for the reader. */
function notesOf(entry: SentStatement, victim: number | undefined, statements: readonly SentStatement[]): string[] {
  const result = entry.result;
  if (result === undefined) return [];
  if ('rows' in result) return [];
  if (result.sqlstate === CANCELLED && entry.session === victim && statements.filter((other) => other.session === victim && other.result !== undefined && 'sqlstate' in other.result).at(0) === entry) {
    return ["The deadlock victim's statement: PostgreSQL's detector aborts it with 40P01 (chatcheck broke the cycle itself, the same way)."];
  }
  if (result.sqlstate === CANCELLED) return ['chatcheck cancelled this statement when the schedule stopped; here it finishes once the other transaction ends, and the ROLLBACK below undoes it.'];
  return [`PostgreSQL answered SQLSTATE ${result.sqlstate} here in the recorded run: ${result.message}`];
}
