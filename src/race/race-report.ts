import { plain } from '../report/plain.js';
import type { RaceExploration, RaceFinding } from './exploration.js';
import type { KnownFinding } from './known-findings.js';
import type { Finding } from './oracle.js';
import { sessionLetter } from './schedule.js';
import { renderTimeline, type TimelineEvent } from './timeline.js';

/**
 * What exploring one race came to, as plain data: all the report prints and writes of it. Made in
 * the thread that explored the race, so a race explored in a worker thread reports exactly what one
 * explored here does.
 */
export interface RaceSummary {
  /** The race's place in the run's list of races. */
  readonly index: number;
  /** The workflows by the names --pair takes. */
  readonly pair: readonly string[];
  readonly variants: readonly string[];
  readonly schedules: number;
  readonly interleavings: number;
  readonly complete: boolean;
  readonly sampled: number;
  readonly serialOrders: number;
  readonly serialOutcomes: number;
  /** How many of the distinct serial outcomes PostgreSQL reached. */
  readonly reached: number;
  readonly known: readonly ReproducedKnownFinding[];
  readonly finding?: {
    readonly kind: string;
    readonly schedule: string;
    /** The calls, the timeline and the verdict, one line each (describeFinding). */
    readonly lines: readonly string[];
    /** The finding for --json, all but its replay line (raceFindingJson). */
    readonly json: Readonly<Record<string, unknown>>;
  };
  readonly durationMs: number;
}

/**
 * A known finding as this run reproduced it: the sessions (in this run's order, which names the
 * letters), their calls and the schedule's timeline — what its --report page draws.
 */
export interface ReproducedKnownFinding extends KnownFinding {
  readonly reproduced: { readonly pair: readonly string[]; readonly calls: readonly string[]; readonly schedule: string; readonly timeline: readonly TimelineEvent[] };
}

export function summarizeRace(index: number, exploration: RaceExploration): RaceSummary {
  const { finding } = exploration;
  let described: RaceSummary['finding'];
  if (finding !== undefined) {
    const { replay: _replay, ...json } = raceFindingJson(exploration, finding, '');
    described = { kind: finding.finding.kind, schedule: finding.execution.schedule, lines: raceFindingLines(json as unknown as RaceFindingText), json };
  }
  return {
    index,
    pair: exploration.race.workflows.map((workflow) => workflow.name),
    variants: variantsOf(exploration),
    schedules: exploration.schedules,
    interleavings: exploration.interleavings,
    complete: exploration.complete,
    sampled: exploration.sampled,
    serialOrders: exploration.race.serialOrders,
    serialOutcomes: exploration.race.serial.length,
    reached: exploration.reached.size,
    known: exploration.known.map(({ known, execution }) => ({
      ...known,
      reproduced: { pair: exploration.race.workflows.map((workflow) => workflow.name), calls: exploration.race.calls, schedule: execution.schedule, timeline: execution.timeline },
    })),
    ...(described === undefined ? {} : { finding: described }),
    durationMs: exploration.durationMs,
  };
}

/** A race's name as --pair takes it: `send,delete`. */
export function raceName(race: RaceSummary): string {
  return race.pair.join(',');
}

function variantsOf(exploration: RaceExploration): string[] {
  return exploration.race.workflows.flatMap((workflow) => (workflow.variant === undefined ? [] : [workflow.variant]));
}

/** What the run did for one race, in a few words: `320 interleavings (all)`, `50 interleavings, then 50 sampled`. */
function coverage(race: RaceSummary): string {
  const parts: string[] = [];
  if (race.interleavings > 0) parts.push(`${race.interleavings} interleaving${race.interleavings === 1 ? '' : 's'}${race.complete ? ' (every one)' : ''}`);
  if (race.sampled > 0) parts.push(`${race.sampled} sampled schedule${race.sampled === 1 ? '' : 's'}`);
  if (parts.length === 0) parts.push(`${race.schedules} schedule${race.schedules === 1 ? '' : 's'}`);
  return parts.join(', then ');
}

/** One line per race without a finding; a block per finding and per known finding. */
export function describeRaces(races: readonly RaceSummary[], replay: (race: RaceSummary, schedule: string) => string, cleanLines = true): string[] {
  const lines: string[] = [];
  for (const race of races) {
    const title = `${raceName(race)}${race.variants.length > 0 ? ` (${race.variants.join(', ')})` : ''}`;
    const reached = `${race.reached} of ${race.serialOutcomes} serial outcome${race.serialOutcomes === 1 ? '' : 's'} reached`;
    if (race.finding === undefined) {
      if (cleanLines) lines.push(`race ${title}: ${coverage(race)}, ${reached}: no finding${race.known.length > 0 ? ` beyond the known ${race.known.map((known) => known.id).join(', ')}` : ''}`);
      continue;
    }
    lines.push(`race ${title}: ${coverage(race)}: ${race.finding.kind} in schedule ${race.finding.schedule || '(serial)'}:`);
    lines.push(...race.finding.lines.map((line) => `  ${line}`));
    lines.push(`replay: ${replay(race, race.finding.schedule)}`);
  }
  for (const race of races) {
    for (const known of race.known) lines.push(`known finding ${known.id}: ${known.kind} in race ${known.race.join(',')}, reproduced (replay: npx chatcheck race --pair ${known.race.join(',')} --schedule ${known.schedule})`);
  }
  return lines;
}

/** What of a race finding's JSON (raceFindingJson) its text is made from. */
export interface RaceFindingText {
  readonly kind: string;
  readonly pair: readonly string[];
  readonly calls: readonly string[];
  readonly timeline: readonly TimelineEvent[];
  readonly verdict: Readonly<Record<string, unknown>>;
}

/**
 * The sessions' calls, the timeline, and the oracle's verdict, made from the finding's JSON: the
 * CLI prints these lines and the JUnit report carries them, one rendering for both.
 */
export function raceFindingLines(finding: RaceFindingText): string[] {
  const lines = finding.calls.map((call, i) => `${sessionLetter(i)} = ${call}`);
  lines.push(...renderTimeline(finding.timeline, finding.pair.length));
  lines.push(...raceVerdictLines(finding));
  return lines;
}

/** The oracle's verdict on a race finding (from its JSON), the first line saying what went wrong. */
export function raceVerdictLines(finding: Pick<RaceFindingText, 'kind' | 'verdict'>): string[] {
  return verdictLines({ kind: finding.kind, ...finding.verdict } as Finding);
}

function verdictLines(finding: Finding): string[] {
  switch (finding.kind) {
    case 'deadlock':
      return [
        `deadlock: ${finding.cycle.map((session, i) => `${sessionLetter(session)} waits in ${finding.steps[i]}`).join(', ')}, each for the next; chatcheck cancelled ${sessionLetter(finding.victim)} (PostgreSQL would raise ${finding.sqlstate} in one of them)`,
      ];
    case 'hang':
      return [`hang: the schedule ran past ${finding.afterMs} ms (${finding.stuck})`];
    case 'waited':
      return [`${sessionLetter(finding.session)} waited in ${finding.step} for ${finding.for.map(sessionLetter).join(', ')}: it skips rows others hold locked (SKIP LOCKED), so no interleaving may make it wait`];
    case 'unexpected-error':
      return [`${sessionLetter(finding.session)} got SQLSTATE ${finding.sqlstate}, which no serial order gives it (serial orders give: ${finding.expected.join(', ') || 'no error'})`];
    case 'invariant':
      return [`PostgreSQL broke "${finding.invariant.name}": ${finding.invariant.rule}`, ...finding.offenders.map((group) => `  ${group.join(', ')}`)];
    case 'divergence': {
      const { order, difference } = finding.nearest;
      return [
        `no serial order of atomic units gives this; nearest: ${order.map(sessionLetter).join(' ')}, which differs at ${difference.path}: ${difference.why}`,
        `  model:      ${JSON.stringify(plain(difference.model))}`,
        `  PostgreSQL: ${JSON.stringify(plain(difference.real))}`,
      ];
    }
  }
}

/** A finding for --json: "mode": "race", its kind, the race, and the schedule as data and as a timeline. */
export function raceFindingJson(exploration: RaceExploration, finding: RaceFinding, replay: string): Record<string, unknown> {
  const { kind, ok: _ok, ...detail } = finding.finding;
  return plain({
    mode: 'race',
    kind,
    ...('sqlstate' in finding.finding ? { sqlstate: finding.finding.sqlstate } : {}),
    pair: exploration.race.workflows.map((workflow) => workflow.name),
    variants: variantsOf(exploration),
    calls: exploration.race.calls,
    schedule: finding.execution.schedule,
    timeline: finding.execution.timeline,
    verdict: detail,
    replay,
  }) as Record<string, unknown>;
}

export function knownFindingJson(known: KnownFinding): Record<string, unknown> {
  return { mode: 'race', ...known };
}

/** Stats for --json: schedules and their rate, and per race (by its place in the run) what was covered and reached. */
export function raceStats(races: readonly RaceSummary[], durationMs: number): Record<string, unknown> {
  const schedules = races.reduce((sum, race) => sum + race.schedules, 0);
  return {
    schedules,
    schedulesPerSecond: durationMs > 0 ? Math.round((schedules / durationMs) * 1000) : null,
    durationMs: Math.round(durationMs),
    races: races.map((race) => ({
      index: race.index,
      pair: raceName(race),
      variants: race.variants,
      schedules: race.schedules,
      interleavings: race.interleavings,
      everyInterleaving: race.complete,
      sampled: race.sampled,
      serialOrders: race.serialOrders,
      serialOutcomes: race.serialOutcomes,
      serialOutcomesReached: race.reached,
      durationMs: Math.round(race.durationMs),
    })),
  };
}
