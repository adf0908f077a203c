import { DEADLOCK } from '../race/explorer.js';
import { raceVerdictLines } from '../race/race-report.js';
import { sessionLetter } from '../race/schedule.js';
import { describeLock, type TimelineEvent } from '../race/timeline.js';
import type { WaitLock } from '../race/wait-observer.js';
import { escapeHtml as esc, htmlPage } from './race-html-page.js';

/** What one race page draws: a race finding of the JSON report, or a known finding's reproduction. */
export interface RacePage {
  readonly kind: string;
  /** The workflows by the names --pair takes, in session order (A, B, C). */
  readonly pair: readonly string[];
  readonly variants: readonly string[];
  readonly calls: readonly string[];
  readonly schedule: string;
  readonly timeline: readonly TimelineEvent[];
  readonly replay: string;
  /** A finding: the oracle's verdict, as raceFindingJson writes it (without its kind). */
  readonly verdict?: Readonly<Record<string, unknown>>;
  /** A known finding of the bundled queries: no failure, but what goes wrong and the fix. */
  readonly known?: { readonly id: string; readonly what: string; readonly fix: string; /** KnownFinding.anomaly. */ readonly anomaly: Readonly<Record<string, unknown>> };
}

/** Where a lane stands between two events: inside a transaction or not, and waiting or not. */
interface LaneState {
  tx: 'none' | 'open' | 'aborted';
  /** The transaction began with BEGIN (a workflow's), not as the explorer's overlap of one statement. */
  explicit: boolean;
  wait?: { readonly for: readonly number[]; readonly lock?: WaitLock | undefined; readonly step: string };
  answer?: string;
}

/**
 * One race as an HTML page: the calls on top, then a lane per session with a row per event in the
 * order they happened (so the lanes interleave as time flows down) — statements with their
 * results, BEGIN and the commit and abort points, waits as a striped bar from the moment a
 * statement was seen waiting until it answered, errors — then how each lane ended, and the
 * oracle's verdict.
 */
export function raceTimelineHtml(page: RacePage): string {
  const sessions = page.pair.length;
  const title = `${page.known ? `Known finding ${page.known.id}` : `Race finding: ${page.kind}`} — ${page.pair.join(' vs ')}`;
  const variants = page.variants.length > 0 ? ` (${page.variants.join(', ')})` : '';
  const body = [
    `<h1>${esc(title)} <span class="kind${page.known ? ' known' : ''}">${esc(page.kind)}</span></h1>`,
    `<p class="sub">Race <code>${esc(page.pair.join(','))}</code>${esc(variants)}, schedule <code>${esc(page.schedule || '(serial)')}</code>: ${sessions} sessions, one lane each; time flows down.</p>`,
    legend(),
    timelineTable(page),
    page.known ? knownVerdict(page, page.known) : findingVerdict(page),
    `<h2>Replay</h2>`,
    `<p class="replay"><code>${esc(page.replay)}</code></p>`,
  ].join('\n');
  return htmlPage(title, body);
}

function timelineTable(page: RacePage): string {
  const sessions = page.pair.length;
  const lanes: LaneState[] = Array.from({ length: sessions }, () => ({ tx: 'none', explicit: false }));
  const head = `<tr><th class="step-no"></th>${page.pair
    .map(
      (workflow, i) =>
        `<th class="lane-head lane-${i}"><span class="letter">${sessionLetter(i)}</span><span class="workflow">${esc(workflow)}</span><code class="call">${esc(`${sessionLetter(i)} = ${page.calls[i] ?? workflow}`)}</code></th>`,
    )
    .join('')}</tr>`;
  const rows: string[] = [];
  page.timeline.forEach((event, n) => {
    const cells = lanes.map((lane, i) => (i === event.session ? eventCell(event, lane, i) : idleCell(lane, i)));
    const separate = n > 0 && page.timeline[n - 1]!.session !== event.session;
    rows.push(`<tr${separate ? ' class="sep"' : ''}><td class="step-no">${n + 1}</td>${cells.join('')}</tr>`);
  });
  rows.push(`<tr class="end"><td class="step-no">end</td>${lanes.map((lane, i) => endCell(lane, i)).join('')}</tr>`);
  return `<table class="timeline">\n<thead>${head}</thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
}

function laneClass(lane: LaneState, i: number): string {
  const state = lane.wait ? ' waiting' : lane.tx === 'open' ? ' tx' : lane.tx === 'aborted' ? ' aborted' : '';
  return `lane lane-${i}${state}`;
}

function idleCell(lane: LaneState, i: number): string {
  return `<td class="${laneClass(lane, i)}"></td>`;
}

/** The event's own cell, drawn in the lane's state as the event found it; the state then moves on. */
function eventCell(event: TimelineEvent, lane: LaneState, i: number): string {
  switch (event.event) {
    case 'waits': {
      lane.wait = { for: event.for, lock: event.lock, step: event.step };
      const lock = event.lock ? `<span class="lock">lock: ${esc(describeLock(event.lock))}</span>` : '';
      return `<td class="${laneClass(lane, i)}"><div class="card wait"><span class="name">${esc(event.step)}</span> <span class="waits">waits for ${esc(event.for.map(sessionLetter).join(', '))}</span>${lock}</div></td>`;
    }
    case 'ran': {
      const afterWait = event.afterWait && lane.wait !== undefined ? `<span class="tag after-wait">after waiting for ${esc(lane.wait.for.map(sessionLetter).join(', '))}</span>` : '';
      lane.wait = undefined;
      if (event.step === 'BEGIN') {
        lane.tx = 'open';
        lane.explicit = true;
        return `<td class="${laneClass(lane, i)}"><span class="card point begin">BEGIN</span></td>`;
      }
      if (event.step === 'COMMIT' || event.step === 'ROLLBACK') {
        // The bar stops halfway down the commit's row, so the next transaction's bar starts apart from it.
        const cell = `<td class="${laneClass(lane, i)} tx-end"><span class="card point ${event.step === 'COMMIT' ? 'commit' : 'rollback'}">${event.step === 'COMMIT' ? '&#10004; COMMIT' : '&#10006; ROLLBACK'}</span>${afterWait}</td>`;
        lane.tx = 'none';
        lane.explicit = false;
        return cell;
      }
      const uncommitted = event.result.endsWith(', uncommitted');
      if (uncommitted && lane.tx === 'none') lane.tx = 'open';
      const result = uncommitted ? event.result.slice(0, -', uncommitted'.length) : event.result;
      return `<td class="${laneClass(lane, i)}"><div class="card"><span class="name">${esc(event.step)}</span> <span class="result">&#8594; <b>${esc(result)}</b></span>${uncommitted ? '<span class="tag uncommitted">uncommitted</span>' : ''}${afterWait}</div></td>`;
    }
    case 'failed': {
      const afterWait = event.afterWait && lane.wait !== undefined ? `<span class="tag after-wait">after waiting for ${esc(lane.wait.for.map(sessionLetter).join(', '))}</span>` : '';
      lane.wait = undefined;
      // Inside a workflow's transaction the error aborts it (until its ROLLBACK); the explorer's own one-statement transaction is rolled back at once.
      const inTransaction = lane.tx !== 'none';
      const aborted = inTransaction && lane.explicit;
      lane.tx = aborted ? 'aborted' : 'none';
      const note = aborted ? 'the transaction is aborted' : inTransaction ? 'rolled back' : '';
      return `<td class="${laneClass(lane, i)}"><div class="card error"><span class="name">${esc(event.step)}</span> <span class="sqlstate">&#8594; ERROR ${esc(event.sqlstate)}</span>${afterWait}<span class="message">${esc(event.message)}</span>${note ? `<span class="abort">&#10006; ${note}</span>` : ''}</div></td>`;
    }
    case 'answered': {
      // A workflow that ends inside its transaction leaves it uncommitted: the explorer rolls it back.
      lane.tx = 'none';
      lane.explicit = false;
      lane.answer = event.answer;
      return `<td class="${laneClass(lane, i)}"><span class="card answer"><span class="label">answered</span>${esc(event.answer)}</span></td>`;
    }
  }
}

/** How the lane ended: its answer, or what it was doing when the schedule stopped. */
function endCell(lane: LaneState, i: number): string {
  const notes: string[] = [];
  if (lane.answer !== undefined) notes.push(`<span class="card answer"><span class="label">${sessionLetter(i)} answered</span>${esc(lane.answer)}</span>`);
  else notes.push(`<span class="end-note bad">${sessionLetter(i)} never answered: the schedule stopped${lane.wait ? ` while ${esc(lane.wait.step)} waited for ${esc(lane.wait.for.map(sessionLetter).join(', '))}` : ''}.</span>`);
  if (lane.answer === undefined && lane.tx !== 'none') notes.push(`<span class="end-note"> Its ${lane.tx === 'aborted' ? 'aborted' : 'open'} transaction was rolled back.</span>`);
  return `<td class="lane lane-${i}">${notes.join('')}</td>`;
}

function legend(): string {
  return `<p class="legend"><span><i class="swatch" style="background:linear-gradient(90deg,#93c5fd 50%,#c4b5fd 50%)"></i>transaction open (BEGIN or an uncommitted statement, until COMMIT)</span><span><i class="swatch" style="background:repeating-linear-gradient(135deg,#b45309 0 3px,#fcd34d 3px 7px)"></i>waiting on a lock, until the statement answers</span><span><i class="swatch" style="background:#b91c1c"></i>error / abort</span><span><i class="swatch" style="background:#15803d"></i>commit</span></p>`;
}

/** The oracle's verdict: its line as the CLI prints it, then what it rests on, by kind. */
function findingVerdict(page: RacePage): string {
  const verdict = page.verdict ?? {};
  const lines = safeVerdictLines(page.kind, verdict);
  const parts = [`<section class="verdict">`, `<h2>Verdict: ${esc(page.kind)}</h2>`, `<p class="headline">${esc(capitalized(lines[0] ?? page.kind))}</p>`];
  switch (page.kind) {
    case 'invariant': {
      const offenders = Array.isArray(verdict['offenders']) ? (verdict['offenders'] as unknown[][]) : [];
      parts.push(`<p>The offending rows after the schedule:</p>`, `<ul>${offenders.map((group) => `<li><code>${esc(group.map(String).join(', '))}</code></li>`).join('')}</ul>`);
      break;
    }
    case 'divergence': {
      const nearest = verdict['nearest'] as { order?: number[]; difference?: { path?: string; why?: string; model?: unknown; real?: unknown } } | undefined;
      const order = (nearest?.order ?? []).map(sessionLetter).join(' then ');
      const difference = nearest?.difference ?? {};
      parts.push(
        `<div class="sides"><div class="side model"><h3>Model, serial order ${esc(order)}</h3><pre>${esc(pretty(difference.model))}</pre></div><div class="side real"><h3>PostgreSQL, schedule ${esc(page.schedule || '(serial)')}</h3><pre>${esc(pretty(difference.real))}</pre></div></div>`,
      );
      break;
    }
    case 'deadlock': {
      const cycle = Array.isArray(verdict['cycle']) ? (verdict['cycle'] as number[]) : [];
      const steps = Array.isArray(verdict['steps']) ? (verdict['steps'] as string[]) : [];
      const members = cycle.map((session, i) => {
        const next = cycle[(i + 1) % cycle.length]!;
        const lock = lastLock(page.timeline, session);
        return `<li><b>${sessionLetter(session)}</b> waits in <code>${esc(steps[i] ?? '?')}</code> for <b>${sessionLetter(next)}</b>${lock ? `, on ${esc(describeLock(lock))}` : ''}</li>`;
      });
      parts.push(`<p>The wait-for cycle:</p><ul>${members.join('')}</ul>`);
      break;
    }
    default:
      parts.push(...lines.slice(1).map((line) => `<p>${esc(line)}</p>`));
  }
  parts.push(`</section>`);
  return parts.join('\n');
}

function knownVerdict(page: RacePage, known: NonNullable<RacePage['known']>): string {
  const waits = page.timeline.filter((event): event is Extract<TimelineEvent, { event: 'waits' }> => event.event === 'waits');
  const victim = page.timeline.find((event) => event.event === 'failed' && event.sqlstate === DEADLOCK);
  const broken = victim === undefined ? '' : `<p>chatcheck broke the cycle by cancelling ${sessionLetter(victim.session)}'s statement (${DEADLOCK}); PostgreSQL's own detector aborts one of them after deadlock_timeout.</p>`;
  const cycle = page.kind === 'deadlock' && waits.length > 0 ? `<p>The wait-for cycle:</p><ul>${waits.map((wait) => `<li><b>${sessionLetter(wait.session)}</b> waits in <code>${esc(wait.step)}</code> for <b>${esc(wait.for.map(sessionLetter).join(', '))}</b>${wait.lock ? `, on ${esc(describeLock(wait.lock))}` : ''}</li>`).join('')}</ul>${broken}` : '';
  return [
    `<section class="verdict known">`,
    `<h2>Known finding of the bundled queries: ${esc(known.id)} (${esc(page.kind)})</h2>`,
    `<p class="headline">${esc(knownHeadline(page, known.anomaly))}</p>`,
    `<p>This run reproduced it; a known finding is listed, not failed on.</p>`,
    cycle,
    `<p><b>What goes wrong.</b> ${esc(known.what)}</p>`,
    `<p><b>The fix we would propose.</b> ${esc(known.fix)}</p>`,
    `</section>`,
  ].join('\n');
}

/** What the known finding's anomaly is, in the words of the oracle's verdict. */
function knownHeadline(page: RacePage, anomaly: Readonly<Record<string, unknown>>): string {
  const invariant = anomaly['invariant'];
  if (typeof invariant === 'string') return `PostgreSQL broke "${invariant}".`;
  const unexpected = anomaly['unexpected'] as { workflow?: string; sqlstate?: string } | undefined;
  if (unexpected !== undefined) {
    const session = page.pair.indexOf(String(unexpected.workflow));
    return `${session < 0 ? String(unexpected.workflow) : `${sessionLetter(session)} (${String(unexpected.workflow)})`} got SQLSTATE ${String(unexpected.sqlstate)}, which no serial order gives it.`;
  }
  if (anomaly['deadlock'] !== undefined) return 'A deadlock: each session waits for a lock the other holds.';
  return page.kind;
}

/** The CLI's verdict lines; a verdict of an unexpected shape (a report edited by hand) gives none. */
function safeVerdictLines(kind: string, verdict: Readonly<Record<string, unknown>>): string[] {
  try {
    return raceVerdictLines({ kind, verdict });
  } catch {
    return [];
  }
}

function lastLock(timeline: readonly TimelineEvent[], session: number): WaitLock | undefined {
  for (let i = timeline.length - 1; i >= 0; i--) {
    const event = timeline[i]!;
    if (event.session === session && event.event === 'waits') return event.lock;
  }
  return undefined;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function pretty(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value, null, 2) ?? String(value));
}
