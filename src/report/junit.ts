import { findingHeadline, findingLines } from './finding-lines.js';
import type { JsonReport } from './run-report.js';
import { shownInCommand } from './shown.js';

/**
 * The JUnit XML report (--junit FILE), made from the same JsonReport as --json: a <testsuite> per
 * part of the run — the sequential property, the races, the mutants — and a <testcase> per
 * property, race and mutant. A finding is a <failure> whose message is the finding in one line
 * and whose body is the shrunk counterexample as the CLI prints it, then the lines that replay it.
 * A surviving mutant is a failure too; an equivalent or invalid one is <skipped> with its reason.
 * An interrupted run is an <error>: a CI never reads it as a pass.
 */
export function junitXml(report: JsonReport, caseFiles: ReadonlyMap<unknown, string> = new Map()): string {
  const findings = report.findings as readonly Finding[];
  const replay = section(report, 'replay');
  const suites = [
    ...(replay === undefined
      ? [
          ...sequentialSuite(report, findings.filter((finding) => finding.mode !== 'race'), caseFiles),
          ...raceSuite(report, findings.filter((finding) => finding.mode === 'race'), caseFiles),
          ...mutantSuite(report),
        ]
      : [replaySuite(report, replay, findings)]),
    ...(report.interrupted ? [interruptedSuite(report)] : []),
  ];
  const totals = count(suites.flatMap((suite) => suite.cases));
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites ${attributes({ name: `chatcheck ${report.stats.command}`, ...totals, time: seconds(report.stats.durationMs) })}>`,
    ...suites.flatMap(suiteLines),
    '</testsuites>',
  ];
  return `${lines.join('\n')}\n`;
}

type Finding = Readonly<Record<string, unknown>>;

interface TestCase {
  readonly name: string;
  readonly classname: string;
  readonly ms: number;
  readonly failure?: { readonly message: string; readonly type: string; readonly body: string };
  readonly error?: { readonly message: string; readonly type: string };
  readonly skipped?: string;
  readonly out?: string;
}

interface TestSuite {
  readonly name: string;
  readonly ms: number;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly cases: readonly TestCase[];
}

function count(cases: readonly TestCase[]): { tests: number; failures: number; errors: number; skipped: number } {
  return {
    tests: cases.length,
    failures: cases.filter((test) => test.failure !== undefined).length,
    errors: cases.filter((test) => test.error !== undefined).length,
    skipped: cases.filter((test) => test.skipped !== undefined).length,
  };
}

function section(report: JsonReport, name: string): Readonly<Record<string, unknown>> | undefined {
  const value = report.stats[name];
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

/** The failure of a testcase with these findings: the first one's headline; every one's counterexample and replay lines. */
function failureOf(findings: readonly Finding[], caseFiles: ReadonlyMap<unknown, string>): TestCase['failure'] {
  if (findings.length === 0) return undefined;
  const more = findings.length > 1 ? ` (and ${findings.length - 1} more)` : '';
  const body = findings.map((finding) => {
    const saved = caseFiles.get(finding);
    return [
      ...findingLines(finding),
      ...(typeof finding.replay === 'string' && finding.replay !== '' ? [`replay: ${finding.replay}`] : []),
      ...(saved === undefined ? [] : [`replay: npx chatcheck replay ${shownInCommand(saved)}`]),
    ].join('\n');
  });
  return { message: `${findingHeadline(findings[0]!)}${more}`, type: String(findings[0]!.kind), body: body.join('\n\n') };
}

/** One testcase: the sequential property, failed by the sequential findings (more than one only in a merge of shards). */
function sequentialSuite(report: JsonReport, findings: readonly Finding[], caseFiles: ReadonlyMap<unknown, string>): TestSuite[] {
  const stats = section(report, 'sequential');
  if (stats === undefined && findings.length === 0) return [];
  const ms = Number(stats?.durationMs ?? 0);
  const failure = failureOf(findings, caseFiles);
  return [
    {
      name: 'sequential',
      ms,
      properties: { seed: stats?.seed, runs: stats?.runs, executions: stats?.executions, commands: stats?.commands },
      cases: [{ name: 'sequential property', classname: 'chatcheck.sequential', ms, ...(failure ? { failure } : {}) }],
    },
  ];
}

interface RaceStats {
  readonly pair: string;
  readonly variants?: readonly string[];
  readonly schedules?: number;
  readonly durationMs?: number;
}

const raceKey = (pair: string, variants: readonly string[] | undefined) => `${pair} ${[...(variants ?? [])].join(',')}`;

/**
 * A testcase per race of stats.race.races, failed by its finding. The findings come in race order,
 * one per failing race: each goes to the first race of its pair and variants not yet given one.
 */
function raceSuite(report: JsonReport, findings: readonly Finding[], caseFiles: ReadonlyMap<unknown, string>): TestSuite[] {
  const stats = section(report, 'race');
  if (stats === undefined && findings.length === 0) return [];
  const races = Array.isArray(stats?.races) ? (stats.races as RaceStats[]) : [];
  const unmatched = [...findings];
  const known = [...(report.knownFindings as readonly Finding[])];
  const take = <T extends Finding>(list: T[], key: string, keyOf: (item: T) => string): T | undefined => {
    const at = list.findIndex((item) => keyOf(item) === key);
    return at < 0 ? undefined : list.splice(at, 1)[0];
  };
  const cases: TestCase[] = races.map((race) => {
    const key = raceKey(race.pair, race.variants);
    const finding = take(unmatched, key, (item) => raceKey((item.pair as string[]).join(','), item.variants as string[]));
    const knownHere = take(known, key, (item) => raceKey((item.race as string[]).join(','), item.variants as string[]));
    const failure = failureOf(finding === undefined ? [] : [finding], caseFiles);
    return {
      name: `${race.pair}${race.variants?.length ? ` (${race.variants.join(', ')})` : ''}`,
      classname: 'chatcheck.race',
      ms: Number(race.durationMs ?? 0),
      ...(failure ? { failure } : {}),
      ...(knownHere === undefined ? {} : { out: `known finding ${String(knownHere.id)} (${String(knownHere.kind)}) reproduced, not failed on: replay with npx chatcheck race --pair ${race.pair} --schedule ${String(knownHere.schedule)}` }),
    };
  });
  // A finding whose race the stats do not list (a report edited by hand): still a failing testcase.
  for (const finding of unmatched) {
    const pair = (finding.pair as string[]).join(',');
    const variants = (finding.variants as string[] | undefined) ?? [];
    cases.push({ name: `${pair}${variants.length ? ` (${variants.join(', ')})` : ''}`, classname: 'chatcheck.race', ms: 0, failure: failureOf([finding], caseFiles)! });
  }
  return [{ name: 'race', ms: Number(stats?.durationMs ?? 0), properties: { seed: stats?.seed, schedules: stats?.schedules }, cases }];
}

interface MutantStats {
  readonly id: string;
  readonly family: string;
  readonly description: string;
  readonly status: 'killed' | 'survived' | 'equivalent' | 'invalid';
  readonly killedBy?: string;
  readonly seedsKilled: number;
  readonly seeds: number;
  readonly ms: number;
  readonly reason?: string;
}

/** A testcase per mutant: killed passes, a survivor fails (a gap in the suite), equivalent and invalid are skipped with their reason. */
function mutantSuite(report: JsonReport): TestSuite[] {
  if (report.mutants === undefined) return [];
  const mutants = report.mutants as readonly MutantStats[];
  const { seed, seeds, inputs } = report.stats;
  // The run's --queries, --migrations or --sqlc as its stats name them; a report without them (an older one) says so in words.
  const withInputs = typeof inputs === 'string' ? (inputs === '' ? '' : ` ${inputs}`) : " (with the run's --queries, --migrations or --sqlc)";
  const cases = mutants.map((mutant): TestCase => {
    const base = { name: mutant.id, classname: `chatcheck.mutate.${mutant.family}`, ms: mutant.ms };
    switch (mutant.status) {
      case 'killed':
        return { ...base, out: `killed by ${mutant.killedBy} at ${mutant.seedsKilled}/${mutant.seeds} seed${mutant.seeds === 1 ? '' : 's'}` };
      case 'survived': {
        const rerun = seed === undefined ? [] : [`rerun: npx chatcheck mutate --mutant ${mutant.id} --seed ${String(seed)}${seeds === undefined || seeds === 1 ? '' : ` --seeds ${String(seeds)}`}${withInputs}`];
        const body = [mutant.description, `no run of the sequential property or of the races told it from the queries under test at ${mutant.seeds} seed${mutant.seeds === 1 ? '' : 's'}`, ...rerun].join('\n');
        return { ...base, failure: { message: `survived: ${mutant.description}`, type: 'survived', body } };
      }
      default:
        return { ...base, skipped: `${mutant.status}: ${mutant.reason ?? ''}` };
    }
  });
  return [{ name: 'mutate', ms: mutants.reduce((sum, mutant) => sum + mutant.ms, 0), properties: { seed, seeds, score: report.score }, cases }];
}

/**
 * A replay's one testcase, named after the case file: failed while the case reproduces (or another
 * finding shows in its place), passed once it no longer does — the regression is fixed.
 */
function replaySuite(report: JsonReport, replay: Readonly<Record<string, unknown>>, findings: readonly Finding[]): TestSuite {
  const name = String(replay.case);
  const failure = failureOf(findings, new Map());
  const test: TestCase = {
    name,
    classname: `chatcheck.replay.${String(replay.mode)}`,
    ms: report.stats.durationMs,
    ...(failure ? { failure: { ...failure, message: `${String(replay.outcome)}: ${failure.message}`, body: `${failure.body}\nreplay: npx chatcheck replay ${name}` } } : { out: `${String(replay.outcome)}: the case no longer reproduces` }),
  };
  return { name: 'replay', ms: report.stats.durationMs, properties: { mode: replay.mode, outcome: replay.outcome }, cases: [test] };
}

/** The run ended on SIGINT or SIGTERM before its result: an error, never a pass. */
function interruptedSuite(report: JsonReport): TestSuite {
  const message = 'interrupted by SIGINT or SIGTERM before its result: no findings were reported';
  return { name: report.stats.command, ms: report.stats.durationMs, properties: {}, cases: [{ name: 'run', classname: `chatcheck.${report.stats.command}`, ms: report.stats.durationMs, error: { message, type: 'interrupted' } }] };
}

function suiteLines(suite: TestSuite): string[] {
  const properties = Object.entries(suite.properties).filter(([, value]) => value !== undefined && value !== null);
  return [
    `  <testsuite ${attributes({ name: suite.name, ...count(suite.cases), time: seconds(suite.ms) })}>`,
    ...(properties.length === 0 ? [] : ['    <properties>', ...properties.map(([name, value]) => `      <property ${attributes({ name, value: String(value) })}/>`), '    </properties>']),
    ...suite.cases.flatMap(caseLines),
    '  </testsuite>',
  ];
}

function caseLines(test: TestCase): string[] {
  const head = `    <testcase ${attributes({ name: test.name, classname: test.classname, time: seconds(test.ms) })}`;
  const inner = [
    ...(test.failure ? [`      <failure ${attributes({ message: test.failure.message, type: test.failure.type })}>${escapeXml(test.failure.body)}</failure>`] : []),
    ...(test.error ? [`      <error ${attributes({ message: test.error.message, type: test.error.type })}/>`] : []),
    ...(test.skipped !== undefined ? [`      <skipped ${attributes({ message: test.skipped })}/>`] : []),
    ...(test.out !== undefined ? [`      <system-out>${escapeXml(test.out)}</system-out>`] : []),
  ];
  return inner.length === 0 ? [`${head}/>`] : [`${head}>`, ...inner, '    </testcase>'];
}

function attributes(values: Readonly<Record<string, string | number>>): string {
  return Object.entries(values)
    .map(([name, value]) => `${name}="${escapeXml(String(value), true)}"`)
    .join(' ');
}

const seconds = (ms: number): string => (Number.isFinite(ms) ? ms / 1000 : 0).toFixed(3);

/**
 * Characters XML 1.0 cannot hold at all, not even as a character reference: the C0 controls but
 * tab, newline and carriage return, U+FFFE, U+FFFF, and a surrogate without its pair.
 */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text for XML: markup characters as entities; a character XML cannot hold written as `\uXXXX`
 * (so a control character in a value stays visible); in an attribute, quotes, and newlines and
 * tabs as character references, which a parser keeps (a literal one it would turn into a space).
 */
export function escapeXml(text: string, attribute = false): string {
  const escaped = text
    .replace(NOT_XML, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('\r', '&#13;');
  return attribute ? escaped.replaceAll('"', '&quot;').replaceAll("'", '&apos;').replaceAll('\n', '&#10;').replaceAll('\t', '&#9;') : escaped;
}
