import { plain } from '../report.js';
import type { RaceExploration, RaceFinding } from './exploration.js';
import type { KnownFinding } from './known-findings.js';
import type { Finding } from './oracle.js';
import { sessionLetter } from './schedule.js';
import { renderTimeline } from './timeline.js';

/** A race's name as --pair takes it: `send,delete`. */
export function raceName(exploration: RaceExploration): string {
  return exploration.race.workflows.map((workflow) => workflow.name).join(',');
}

function variantsOf(exploration: RaceExploration): string[] {
  return exploration.race.workflows.flatMap((workflow) => (workflow.variant === undefined ? [] : [workflow.variant]));
}

/** What the run did for one race, in a few words: `320 interleavings (all)`, `50 interleavings, then 50 sampled`. */
function coverage(exploration: RaceExploration): string {
  const parts: string[] = [];
  if (exploration.interleavings > 0) parts.push(`${exploration.interleavings} interleaving${exploration.interleavings === 1 ? '' : 's'}${exploration.complete ? ' (every one)' : ''}`);
  if (exploration.sampled > 0) parts.push(`${exploration.sampled} sampled schedule${exploration.sampled === 1 ? '' : 's'}`);
  if (parts.length === 0) parts.push(`${exploration.schedules} schedule${exploration.schedules === 1 ? '' : 's'}`);
  return parts.join(', then ');
}

/** One line per race without a finding; a block per finding and per known finding. */
export function describeRaces(explorations: readonly RaceExploration[], replay: (exploration: RaceExploration, schedule: string) => string, cleanLines = true): string[] {
  const lines: string[] = [];
  for (const exploration of explorations) {
    const variants = variantsOf(exploration);
    const title = `${raceName(exploration)}${variants.length > 0 ? ` (${variants.join(', ')})` : ''}`;
    const reached = `${exploration.reached.size} of ${exploration.race.serial.length} serial outcome${exploration.race.serial.length === 1 ? '' : 's'} reached`;
    if (exploration.finding === undefined) {
      if (cleanLines) lines.push(`race ${title}: ${coverage(exploration)}, ${reached}: no finding${exploration.known.length > 0 ? ` beyond the known ${exploration.known.map(({ known }) => known.id).join(', ')}` : ''}`);
      continue;
    }
    lines.push(`race ${title}: ${coverage(exploration)}: ${exploration.finding.finding.kind} in schedule ${exploration.finding.execution.schedule || '(serial)'}:`);
    lines.push(...describeFinding(exploration, exploration.finding).map((line) => `  ${line}`));
    lines.push(`replay: ${replay(exploration, exploration.finding.execution.schedule)}`);
  }
  for (const exploration of explorations) {
    for (const { known } of exploration.known) lines.push(`known finding ${known.id}: ${known.kind} in race ${known.race.join(',')}, reproduced (replay: npx chatcheck race --pair ${known.race.join(',')} --schedule ${known.schedule})`);
  }
  return lines;
}

/** The sessions' calls, the timeline, and the oracle's verdict. */
export function describeFinding(exploration: RaceExploration, { finding, execution }: RaceFinding): string[] {
  const sessions = exploration.race.workflows.length;
  const lines = exploration.race.calls.map((call, i) => `${sessionLetter(i)} = ${call}`);
  lines.push(...renderTimeline(execution.timeline, sessions));
  lines.push(...verdictLines(finding));
  return lines;
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

/** Stats for --json: schedules and their rate, and per race what was covered and reached. */
export function raceStats(explorations: readonly RaceExploration[], durationMs: number): Record<string, unknown> {
  const schedules = explorations.reduce((sum, exploration) => sum + exploration.schedules, 0);
  return {
    schedules,
    schedulesPerSecond: durationMs > 0 ? Math.round((schedules / durationMs) * 1000) : null,
    durationMs: Math.round(durationMs),
    races: explorations.map((exploration) => ({
      pair: raceName(exploration),
      variants: variantsOf(exploration),
      schedules: exploration.schedules,
      interleavings: exploration.interleavings,
      everyInterleaving: exploration.complete,
      sampled: exploration.sampled,
      serialOrders: exploration.race.serialOrders,
      serialOutcomes: exploration.race.serial.length,
      serialOutcomesReached: exploration.reached.size,
    })),
  };
}
