import { CAPTURE_TABLE, type IsolationScenario } from './isolation-scenario.js';

/** The name of the session and step that run the bad-state query, after every step of the race. */
export const CHECK_SESSION = 'check';
export const CHECK_STEP = 'check_bad_state';

/**
 * A race case as a spec for PostgreSQL's isolation tester (src/test/isolation): setup blocks that
 * put the chat tables at the race's start, a teardown that deletes them again, one session per
 * connection of the race with its statements as named steps, a last session whose one step runs
 * the bad-state query, and one permutation: the steps in the order chatcheck's explorer sent them.
 * The isolation tester, like the explorer, notices a step that waits on a lock and goes on with
 * the next; a later step of a session whose step still waits is run once it has finished.
 */
export function renderIsolationSpec(scenario: IsolationScenario, name: string): string {
  const comment = (line: string) => (line === '' ? '#' : `# ${line}`);
  const block = (sql: string) => `{\n${sql}\n}`;
  const lines: string[] = [
    comment(`${name}: a chatcheck race case as a spec for PostgreSQL's isolation tester (written by chatcheck replay --psql).`),
    '#',
    ...scenario.header.map(comment),
    '#',
    comment('Run it against a database with the migrations applied (it deletes every row of the chat tables:'),
    comment('workspace, "user" and all that hangs off them):'),
    comment(`  "$(pg_config --pkglibdir)/pgxs/src/test/isolation/isolationtester" "$DATABASE_URL" < ${name}`),
    comment('isolationtester ships with PostgreSQL (Debian: postgresql-client-NN); it prints each step and its'),
    comment('result, "<waiting ...>" when a step waits on a lock, and "<... completed>" when it goes on.'),
    '#',
    comment('Each statement is one step, with its values filled in as it was sent. BEGIN and COMMIT around a'),
    comment('lone statement of a workflow that runs without a transaction are chatcheck\'s: the explorer keeps'),
    comment('the statement uncommitted for a step, as a slower commit would (--overlap, the default).'),
    ...(scenario.usesCaptures
      ? [
          '#',
          comment(`Ids and times PostgreSQL makes during the race (gen_random_uuid(), now()) differ on every run, so`),
          comment(`no later statement can name them as literals. The statement that first returns one is wrapped in a`),
          comment(`data-modifying CTE that also inserts it into ${CAPTURE_TABLE} (made by the setup) under a name,`),
          comment(`a5.id for step a5's column id; a later statement reads it back there,`),
          comment(`(SELECT value FROM ${CAPTURE_TABLE} WHERE name = 'a5.id')::uuid, in place of the literal.`),
          comment('The statements are otherwise exactly those sent.'),
        ]
      : []),
    ...(scenario.victim === undefined
      ? []
      : [
          '#',
          comment(`A deadlock: PostgreSQL's detector aborts the session whose deadlock_timeout runs out first. Each`),
          comment(`session sets it so that the victim is the one chatcheck picked (setting it needs a superuser).`),
        ]),
    ...(scenario.shownBy.length > 0 ? ['#', ...scenario.shownBy.map(comment)] : []),
    ...(scenario.badState === undefined ? [] : ['#', comment(`The last step, ${CHECK_STEP}, shows the bad state:`), ...scenario.badState.explain.map((line) => comment(`  ${line}`))]),
    '',
    ...scenario.setup.flatMap((sql) => ['setup', block(sql), '']),
    'teardown',
    block(scenario.teardown.join(';\n')),
  ];
  scenario.sessions.forEach((session, index) => {
    lines.push('', comment(`${session.letter} = ${session.call}`), `session ${session.letter}`, `setup { ${session.setup}; }`);
    for (const step of scenario.steps.filter((candidate) => candidate.session === index)) {
      lines.push(...step.notes.map(comment), `step ${step.name}`, block(step.sql));
    }
  });
  if (scenario.badState !== undefined) {
    lines.push('', comment('Runs once every step of the race has finished.'), `session ${CHECK_SESSION}`, `step ${CHECK_STEP}`, block(scenario.badState.sql));
  }
  lines.push('', comment('The steps in the order chatcheck sent them.'), 'permutation');
  for (const step of scenario.steps) lines.push(`  ${step.name}`);
  if (scenario.badState !== undefined) lines.push(`  ${CHECK_STEP}`);
  return `${lines.join('\n')}\n`;
}
