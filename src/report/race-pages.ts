import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TimelineEvent } from '../race/timeline.js';
import { raceIndexHtml, type IndexRace } from './race-index-html.js';
import { raceTimelineHtml, type RacePage } from './race-timeline-html.js';

type Json = Readonly<Record<string, unknown>>;

/** A race of the index, its finding and known findings filled in as their pages are written. */
type ListedRace = Omit<IndexRace, 'finding' | 'known'> & { finding?: IndexRace['finding']; known: IndexRace['known'][number][] };

/** How the run found its server (stats.server.source), in words. */
const SOURCES: Readonly<Record<string, string>> = { url: 'given by --database-url or DATABASE_URL', docker: 'started in Docker', embedded: 'embedded, started by chatcheck' };

/** The index's file name in the --report directory. */
export const INDEX_PAGE = 'index.html';

/**
 * Writes one self-contained HTML page per race finding of `report` (its findings with "mode":
 * "race"), one per known finding it reproduced (the JSON carries the reproduction's timeline), and
 * an index page for the run, in `dir`; returns the paths written, the index last. Everything is
 * drawn from the --json report's data, so a page shows exactly what the report says.
 */
export async function writeRacePages(dir: string, report: { readonly findings: readonly unknown[]; readonly knownFindings: readonly unknown[]; readonly stats: Readonly<Record<string, unknown>> }): Promise<string[]> {
  const written: string[] = [];
  const write = async (name: string, html: string) => {
    const file = path.join(dir, name);
    await writeFile(file, html);
    written.push(file);
  };

  const raceStats = object(report.stats['race']);
  const races: ListedRace[] = (Array.isArray(raceStats?.['races']) ? (raceStats['races'] as unknown[]) : []).flatMap((entry) => {
    const race = object(entry);
    if (race === undefined || typeof race['pair'] !== 'string') return [];
    return [{ pair: race['pair'], variants: strings(race['variants']), schedules: number(race['schedules']), serialOutcomes: number(race['serialOutcomes']), reached: number(race['serialOutcomesReached']), known: [] }];
  });
  const raceOf = (pair: string, variants: readonly string[], free: (race: ListedRace) => boolean): ListedRace => {
    const key = `${pair} ${[...variants].sort().join(',')}`;
    let race = races.find((candidate) => `${candidate.pair} ${[...candidate.variants].sort().join(',')}` === key && free(candidate));
    if (race === undefined) {
      // A finding of a race the stats do not list (a report edited by hand): still drawn and listed.
      race = { pair, variants, schedules: null, serialOutcomes: null, reached: null, known: [] };
      races.push(race);
    }
    return race;
  };

  const findings = report.findings.map(object).filter((finding): finding is Json => finding?.['mode'] === 'race' && Array.isArray(finding['timeline']));
  let n = 0;
  for (const finding of findings) {
    const page = racePageOf(finding);
    const name = `race-${++n}-${slug([...page.pair, ...page.variants, page.kind].join('-'))}.html`;
    await write(name, raceTimelineHtml(page));
    raceOf(page.pair.join(','), page.variants, (race) => race.finding === undefined).finding = { kind: page.kind, schedule: page.schedule, page: name };
  }

  for (const entry of report.knownFindings) {
    const known = object(entry);
    const reproduced = object(known?.['reproduced']);
    if (known === undefined || reproduced === undefined || !Array.isArray(reproduced['timeline'])) continue;
    const page = knownPageOf(known, reproduced);
    const name = `known-${slug(page.known!.id)}.html`;
    await write(name, raceTimelineHtml(page));
    raceOf(page.pair.join(','), page.variants, () => true).known.push({ id: page.known!.id, kind: page.kind, page: name });
  }

  const server = object(report.stats['server']);
  await write(
    INDEX_PAGE,
    raceIndexHtml({
      command: String(report.stats['command'] ?? 'run'),
      seed: raceStats?.['seed'] ?? report.stats['seed'],
      server: server === undefined ? 'none' : `PostgreSQL ${String(server['version'] ?? '(version unknown)')}, ${SOURCES[String(server['source'])] ?? String(server['source'])}`,
      durationMs: number(report.stats['durationMs']),
      races,
      otherFindings: report.findings.length - findings.length,
    }),
  );
  return written;
}

/** A finding of the --json report (raceFindingJson) as its page draws it. */
function racePageOf(finding: Json): RacePage {
  return {
    kind: String(finding['kind']),
    pair: strings(finding['pair']),
    variants: strings(finding['variants']),
    calls: strings(finding['calls']),
    schedule: String(finding['schedule'] ?? ''),
    timeline: finding['timeline'] as TimelineEvent[],
    replay: String(finding['replay'] ?? ''),
    verdict: object(finding['verdict']) ?? {},
  };
}

/** A known finding of the --json report, with this run's reproduction of it. */
function knownPageOf(known: Json, reproduced: Json): RacePage {
  const pair = strings(reproduced['pair']);
  const variants = strings(known['variants']);
  const schedule = String(reproduced['schedule'] ?? '');
  return {
    kind: String(known['kind']),
    pair,
    variants,
    calls: strings(reproduced['calls']),
    schedule,
    timeline: reproduced['timeline'] as TimelineEvent[],
    replay: `npx chatcheck race --pair ${pair.join(',')}${variants.map((variant) => ` --variant ${variant}`).join('')} --schedule ${schedule || '""'}`,
    known: { id: String(known['id']), what: String(known['what'] ?? ''), fix: String(known['fix'] ?? ''), anomaly: object(known['anomaly']) ?? {} },
  };
}

function object(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

function number(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}

/** A file-name part: lower-case letters, digits and dashes. */
function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}
