import { escapeHtml as esc, htmlPage } from './race-html-page.js';

/** A race of the run as the index lists it (from stats.race.races), with the page of its finding. */
export interface IndexRace {
  readonly pair: string;
  readonly variants: readonly string[];
  readonly schedules: number | null;
  readonly serialOutcomes: number | null;
  readonly reached: number | null;
  /** The finding's kind and page (a file name beside the index), when the race has one. */
  readonly finding?: { readonly kind: string; readonly schedule: string; readonly page: string };
  /** Known findings this race reproduced, with their pages. */
  readonly known: readonly { readonly id: string; readonly kind: string; readonly page: string }[];
}

/** What the index says of the run. */
export interface IndexRun {
  readonly command: string;
  readonly seed: unknown;
  readonly server: string;
  readonly durationMs: number | null;
  readonly races: readonly IndexRace[];
  /** Findings of the run that are no race's (sequential ones): counted, drawn elsewhere (--json). */
  readonly otherFindings: number;
}

/** The run's index page: what ran, each race with its schedules and whether it has a finding, links to the pages. */
export function raceIndexHtml(run: IndexRun): string {
  const findings = run.races.filter((race) => race.finding !== undefined).length;
  const known = run.races.reduce((sum, race) => sum + race.known.length, 0);
  const title = `chatcheck ${run.command}: ${findings === 0 ? 'no race finding' : `${findings} race finding${findings === 1 ? '' : 's'}`}`;
  const facts: [string, string][] = [
    ['command', `chatcheck ${run.command}`],
    ['seed', run.seed === undefined || run.seed === null ? '—' : String(run.seed)],
    ['server', run.server],
    ['duration', run.durationMs === null ? '—' : `${(run.durationMs / 1000).toFixed(1)} s`],
    ['races', `${run.races.length}, ${findings} with a finding${known > 0 ? `, ${known} known finding${known === 1 ? '' : 's'} reproduced` : ''}`],
  ];
  if (run.otherFindings > 0) facts.push(['other findings', `${run.otherFindings} sequential finding${run.otherFindings === 1 ? '' : 's'}: in the --json report, not drawn here`]);
  const rows = run.races.map((race) => {
    const variants = race.variants.length > 0 ? ` <span class="mono">(${esc(race.variants.join(', '))})</span>` : '';
    const reached = race.serialOutcomes === null ? '—' : `${race.reached ?? '?'} of ${race.serialOutcomes}`;
    const result = [
      race.finding === undefined ? `<span class="clean">no finding${race.known.length > 0 ? ' beyond the known ones' : ''}</span>` : `<a class="found" href="${esc(race.finding.page)}">${esc(race.finding.kind)} in schedule ${esc(race.finding.schedule || '(serial)')}</a>`,
      ...race.known.map((entry) => `<a href="${esc(entry.page)}">known: ${esc(entry.id)} (${esc(entry.kind)})</a>`),
    ].join('<br>');
    return `<tr><td><code>${esc(race.pair)}</code>${variants}</td><td>${race.schedules ?? '—'}</td><td>${esc(reached)}</td><td>${result}</td></tr>`;
  });
  const body = [
    `<h1>${esc(title)}</h1>`,
    `<p class="sub">The races of this run; each finding links to its timeline.</p>`,
    `<table class="list facts">${facts.map(([name, value]) => `<tr><th>${esc(name)}</th><td>${esc(value)}</td></tr>`).join('')}</table>`,
    `<h2>Races</h2>`,
    run.races.length === 0
      ? '<p>No race ran.</p>'
      : `<table class="list"><thead><tr><th>race</th><th>schedules</th><th>serial outcomes reached</th><th>result</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`,
  ].join('\n');
  return htmlPage(title, body);
}
