import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runCheck } from './commands/check.js';
import { SetupError } from './errors.js';
import { EXIT_CONFORMS, EXIT_SETUP } from './exit-codes.js';
import { collect, positiveInteger, raceOption, replayPathOption, resolveOptions, scheduleOption, seedInteger, shardOption, variantOption, type RawOptions } from './options.js';
import { DEFAULT_RACE_BUDGET, runRaceCommand } from './commands/race.js';
import { DEFAULT_MAX_COMMANDS, DEFAULT_RUNS, runSequentialCommand } from './commands/sequential.js';
import { packageRoot } from './paths.js';
import { runMergeCommand } from './commands/merge.js';
import { runMutateCommand } from './commands/mutate.js';
import { runReplayCommand } from './commands/replay.js';
import { availableParallelism } from 'node:os';
import { CHUNK_RUNS } from './sequential/chunks.js';


const version = (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** What every command takes: the server, the SQL and schema under test, the seed (but replay: a case needs none), the JSON report. */
function withCommonOptions(command: Command, { seed = true } = {}): Command {
  command
    .addOption(new Option('--database-url <url>', 'PostgreSQL server to use (default: $DATABASE_URL, else Docker, else an embedded PostgreSQL 17)'))
    .addOption(new Option('--queries <path>', 'sqlc-annotated SQL under test: a file, or a directory (its *.sql files, in name order); repeatable; replaces the bundled chat.sql and tasks.sql').argParser(collect))
    .addOption(new Option('--migrations <dir>', 'directory of *.up.sql files that build the schema (default: the bundled migrations)'))
    .addOption(new Option('--sqlc <file>', 'a sqlc config (sqlc.yaml, sqlc.yml or sqlc.json): the queries and the schema of its postgresql entries, in place of --queries and --migrations'))
  if (seed) command.addOption(new Option('--seed <n>', 'seed for the random generator, to replay a run').argParser(seedInteger));
  return command.addOption(new Option('--json <file>', 'also write the report as JSON to this file'));
}

/** The sequential property's options (check and sequential). */
function withSequentialOptions(command: Command): Command {
  return command
    .addOption(new Option('--runs <n>', `number of property runs (default ${DEFAULT_RUNS})`).argParser(positiveInteger))
    .addOption(new Option('--path <path>', 'with --seed: replay the counterexample at this fast-check path').argParser(replayPathOption))
    .addOption(new Option('--max-commands <n>', `most commands in one sequential run (default ${DEFAULT_MAX_COMMANDS})`).argParser(positiveInteger))
    .addOption(new Option('--state-every <n>', 'compare every table after every n-th command and at the end of each run (default 1: after every command); a larger n runs faster and reports a difference later').argParser(positiveInteger))
    .addOption(new Option('--no-turns', 'generate single commands only, no chat turns (send, claim, start, finish kept together); replay lines add it when a finding needs it'));
}

function withRaceOptions(command: Command): Command {
  return command
    .addOption(new Option('--pair <names>', 'race these workflows, e.g. send,delete or send,send,delete; repeatable (default: every pair, and send,send,delete)').argParser(raceOption))
    .addOption(new Option('--variant <name>', 'run a variant in place of its workflow, e.g. delete:v1 or delete:tx-no-lock; repeatable').argParser(variantOption))
    .addOption(new Option('--exhaustive', 'every interleaving of every race, with no budget'))
    .addOption(new Option('--budget <n>', `schedules per race: the walk of every interleaving up to half of it, then random schedules (default ${DEFAULT_RACE_BUDGET})`).argParser(positiveInteger))
    .addOption(new Option('--schedule <letters>', 'with one --pair: replay this schedule as a finding printed it').argParser(scheduleOption))
    .addOption(new Option('--no-overlap', 'step autocommit statements whole: never overlap two of them'));
}

/** What the output options say of the terminal, the progress line, NO_COLOR and --quiet. */
const OUTPUT_HELP = `
Output: on a terminal, a run that takes over 2 s shows a live line (done, total, time left),
rewritten in place and erased before the summary; piped output (a CI log), TERM=dumb and --quiet
show none. chatcheck writes no colour at all, so NO_COLOR has nothing to turn off: stdout holds no
escape code unless it is a terminal. --json, --junit, --save and --report are checked before the
run starts (a bad path is an error, exit 2); a --save or --report directory is created at the end
of the run if its parent exists. The lines "saved case: FILE" and "race page: FILE" name what was
written into them.`;

/**
 * Where a run's result goes besides stdout, and how much stdout says: --junit and --quiet on check,
 * sequential, race and mutate; --save on the commands that find cases, --report on those with races.
 */
function withOutputOptions(command: Command, directories: { readonly save: boolean; readonly report: boolean }): Command {
  command.addOption(new Option('--junit <file>', 'also write the report as JUnit XML to this file: a testsuite per part of the run, a testcase per property, race or mutant; a finding is a failure that carries its shrunk counterexample and its replay command'));
  if (directories.save) command.addOption(new Option('--save <dir>', 'write every finding as a case file (JSON, independent of the seed) into this directory; "chatcheck replay FILE" runs one again'));
  if (directories.report) command.addOption(new Option('--report <dir>', 'write a self-contained HTML page per race finding (a timeline of its sessions and the verdict) and an index page into this directory'));
  return command
    .addOption(new Option('--quiet', 'print only the summary lines and the findings: no setup lines, no line per race, no progress line'))
    .addHelpText('after', OUTPUT_HELP);
}

/** `--workers`: mutate, sequential, race and check. */
function withWorkersOption(command: Command, what: string): Command {
  return command.addOption(
    new Option('--workers <n>', `workers, each with its own databases (default: the cores, ${availableParallelism()} here); ${what}, so results do not depend on n`).argParser(positiveInteger),
  );
}

export function buildProgram(result: { exitCode: number }): Command {
  const program = new Command('chatcheck')
    .description('Checks multica\'s chat SQL against its reference model on a real PostgreSQL.')
    .version(version, '--version', 'print the version')
    .helpOption('--help', 'show this help')
    .addHelpText('after', `
Every command takes --database-url, --queries (repeatable), --migrations, --sqlc, --seed (but replay)
and --json;
check, sequential, race, mutate and replay also take --junit and --quiet, and check, sequential and
race --save (case files); check and race --report (HTML pages of race findings). "chatcheck check --help"
describes them and the options of the sequential property and the race explorer, which check runs
both. Without a command, chatcheck runs check.

Exit codes:
  0  the queries conform (no finding)
  1  a finding: the SQL and the model disagree
  2  usage or setup error (bad option, unreachable server, broken migration or query file)
  3  internal error in chatcheck (a bug: please report it with the printed stack trace)
  130, 143  interrupted by SIGINT (Ctrl-C) or SIGTERM: no findings reported; --json says "interrupted": true,
            --junit holds an error testcase that says so

PostgreSQL: --database-url, else DATABASE_URL, else a postgres:17 container when a Docker runtime
is reachable, else an embedded PostgreSQL 17. chatcheck only writes to databases it creates
(named chatcheck_*) and drops them when it ends, also on Ctrl-C.
${OUTPUT_HELP}`);

  const action = (run: (options: RawOptions) => Promise<number>) => async (options: RawOptions) => {
    result.exitCode = await run(options);
  };

  withWorkersOption(withOutputOptions(withRaceOptions(withSequentialOptions(withCommonOptions(program.command('check', { isDefault: true })))), { save: true, report: true }), 'every sequential chunk and every race has its own seed from --seed')
    .addOption(new Option('--shard <i/n>', 'take the i-th of n fixed parts of the sequential chunks and of the races (for a CI matrix; combine the --json reports with "chatcheck merge")').argParser(shardOption))
    .description('the whole conformance run (default command)')
    .action(action((raw) => runCheck(resolveOptions(raw))));

  withWorkersOption(withOutputOptions(withSequentialOptions(withCommonOptions(program.command('sequential'))), { save: true, report: false }), `the runs are cut into chunks of ${CHUNK_RUNS}, each with its own seed from --seed, and the lowest failing chunk is the finding`)
    .description('random command sequences on the model and on PostgreSQL, compared after every command')
    .action(action((raw) => runSequentialCommand(resolveOptions(raw))));

  withWorkersOption(withOutputOptions(withRaceOptions(withCommonOptions(program.command('race'))), { save: true, report: true }), 'every race has its own seed from --seed')
    .addOption(new Option('--runs <n>', 'N random schedules per race, shrunk on a finding, instead of the budgeted walk').argParser(positiveInteger))
    .description('concurrent workflows interleaved statement by statement on separate connections, judged by the model')
    .action(action((raw) => runRaceCommand(resolveOptions(raw))));

  withWorkersOption(withOutputOptions(withCommonOptions(program.command('mutate')), { save: false, report: false }), "every trial has its own seed from --seed, the mutant's id and the seed's number")
    .description('small wrong versions of the SQL, the schema and the workflows, each run against the sequential property and the races: which the suite catches')
    .addOption(new Option('--list', 'print the catalogue (id, family, description) and exit'))
    .addOption(new Option('--mutant <id>', 'run only this mutant; repeatable').argParser(collect))
    .addOption(new Option('--seeds <k>', 'run every mutant at k seeds and report how many killed it (default 1)').argParser(positiveInteger))
    .addOption(new Option('--shard <i/n>', 'take the i-th of n fixed parts of the catalogue (for a CI matrix; combine the reports with "chatcheck merge")').argParser(shardOption))
    .addHelpText('after', `
Exit codes: 0 every mutant that counts was killed; 1 a mutant survived (a gap in the suite); 2 usage or setup error.
Equivalent mutants (reviewed by hand: no test can observe them) and invalid ones (the loader or the
server refuses them) are listed with their reason and left out of the score.`)
    .action(action((raw) => runMutateCommand(resolveOptions(raw))));
  program
    .command('merge')
    .argument('<reports...>', 'the --json reports of the shards of one mutate or check run')
    .addOption(new Option('--json <file>', 'write the merged report as JSON to this file'))
    .addOption(new Option('--junit <file>', 'write the merged report as JUnit XML to this file (as the commands\' --junit)'))
    .description('combine the --json reports of "mutate --shard" (or "check --shard") runs into one report (and one score)')
    .action(async (files: string[], raw: { json?: string; junit?: string }) => {
      const resolved = (file: string | undefined) => (file === undefined ? undefined : path.resolve(file));
      result.exitCode = await runMergeCommand(files, { json: resolved(raw.json), junit: resolved(raw.junit) });
    });
  withOutputOptions(withCommonOptions(program.command('replay').argument('<case.json>', 'a case file written by --save'), { seed: false }), { save: false, report: false })
    .addOption(new Option('--psql <file>', 'also write the case for psql: a sequential case as a SQL script (setup rows, the statements with their values, a query showing the bad state); a race as an isolation-tester spec and a shell script playing the schedule with two psql sessions'))
    .description('run a recorded finding (a case file) again: exit 1 while it reproduces, 0 once it no longer does, 2 when the file cannot be read as a case')
    .action(async (file: string, raw: RawOptions & { psql?: string }) => {
      result.exitCode = await runReplayCommand(file, resolveOptions(raw), { psql: raw.psql });
    });

  for (const command of [program, ...program.commands]) {
    command.exitOverride().configureOutput({ outputError: () => {} });
  }
  return program;
}

/** Runs the CLI and returns the exit code; prints usage and setup errors as one line. */
export async function main(argv: readonly string[]): Promise<number> {
  const result = { exitCode: EXIT_CONFORMS as number };
  try {
    await buildProgram(result).parseAsync([...argv], { from: 'user' });
    return result.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
        return EXIT_CONFORMS;
      }
      // One line: commander puts its "(Did you mean …?)" hint on a line of its own.
      process.stderr.write(`chatcheck: ${error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')} — see chatcheck --help\n`);
      return EXIT_SETUP;
    }
    if (error instanceof SetupError) {
      process.stderr.write(`chatcheck: ${error.message}\n`);
      return EXIT_SETUP;
    }
    throw error;
  }
}
