import { CAPTURE_TABLE, type IsolationScenario } from './isolation-scenario.js';

/** The here-document delimiter the script's SQL stands between. */
const END = 'CHATCHECK_SQL';

/**
 * The driver the script runs its steps with: plain bash and psql. Each session is a psql reading
 * a named pipe, writing to a file; a step is sent with an \echo marker after it that carries the
 * step's number and psql's SQLSTATE, so its answer is the output up to the marker. A step whose
 * marker does not come is asked about, through a separate psql, the way the isolation tester asks:
 * is its backend waiting for a lock held by another session of the race (pg_blocking_pids)? Then
 * it is waiting, and the next step goes; otherwise the script keeps watching (up to
 * CHATCHECK_STEP_TIMEOUT seconds). After each step, every step still waiting has either finished
 * or is seen waiting again, before the next step is sent.
 */
const DRIVER = String.raw`set -u
DB=()
if [ $# -gt 0 ]; then DB=("$1"); fi
# pg ARGS…: psql without ~/.psqlrc, quiet, on the script's database.
pg() {
  psql -X -q "$@" ${'$'}{DB[@]+"${'$'}{DB[@]}"}
}
STEP_TIMEOUT=${'$'}{CHATCHECK_STEP_TIMEOUT:-60}
WORK=$(mktemp -d)
declare -a SESSION_PSQL=() SESSION_FD=() BACKEND=() PENDING=() SHOWN=() STEP_NAME=()
STEPS=0

cleanup() {
  local i
  for i in "${'$'}{!SESSION_PSQL[@]}"; do kill "${'$'}{SESSION_PSQL[i]}" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "chatcheck: $*" >&2
  exit 2
}

# lines INDEX FROM TO: lines FROM to TO of the session's output (none when TO < FROM).
lines() {
  awk -v from="$2" -v to="$3" 'NR >= from && NR <= to' "$WORK/$1.out"
}

# session INDEX LETTER: starts a psql for session INDEX, reading the pipe $WORK/INDEX.in; its setup on stdin.
session() {
  local i=$1 setup line
  setup=$(cat)
  mkfifo "$WORK/$i.in" || fail "cannot make a named pipe in $WORK"
  # The psql reads the pipe; it must not hold the other sessions' pipes open (they would never end).
  (
    for fd in "${'$'}{SESSION_FD[@]}"; do eval "exec $fd>&-"; done
    exec psql -X -q -v ON_ERROR_STOP=0 ${'$'}{DB[@]+"${'$'}{DB[@]}"} <"$WORK/$i.in" >"$WORK/$i.out" 2>&1
  ) &
  SESSION_PSQL[i]=$!
  # A descriptor bash picks ({fd}>), so that no redirection of its own reuses it.
  local fd
  exec {fd}>"$WORK/$i.in"
  SESSION_FD[i]=$fd
  printf '%s\nSELECT pg_backend_pid() AS chatcheck_pid \\gset\n\\echo @@chatcheck pid :chatcheck_pid\n' "$setup" >&"$fd"
  local start=$SECONDS
  until line=$(grep -n -m1 '^@@chatcheck pid [0-9]' "$WORK/$i.out"); do
    kill -0 "${'$'}{SESSION_PSQL[i]}" 2>/dev/null || fail "session $2 could not connect: $(cat "$WORK/$i.out")"
    ((SECONDS - start < STEP_TIMEOUT)) || fail "session $2 did not start within ${'$'}{STEP_TIMEOUT}s"
    sleep 0.02
  done
  BACKEND[i]=${'$'}{line##* }
  SHOWN[i]=${'$'}{line%%:*}
  PENDING[i]=
  lines "$i" 1 $((SHOWN[i] - 1)) | grep -v '^$' | sed "s/^/session $2 setup: /"
}

# blocked INDEX: whether the session's backend waits for a lock another session of the race holds.
blocked() {
  local others="" j count
  for j in "${'$'}{!BACKEND[@]}"; do [ "$j" = "$1" ] || others+="${'$'}{others:+,}${'$'}{BACKEND[j]}"; done
  count=$(pg -At -c "SELECT count(*) FROM unnest(pg_blocking_pids(${'$'}{BACKEND[$1]})) AS b WHERE b IN ($others)") || fail "cannot ask the server which sessions wait"
  [ "$count" != 0 ]
}

# answered INDEX N: prints step N's output when its marker has come, and says whether it has.
answered() {
  local i=$1 n=$2 line state
  line=$(grep -n -m1 "^@@chatcheck done $n " "$WORK/$i.out") || return 1
  line=${'$'}{line%%:*}
  lines "$i" $((SHOWN[i] + 1)) $((line - 1))
  state=$(sed -n "${'$'}{line}p" "$WORK/$i.out")
  state=${'$'}{state##* }
  [ "$state" = 00000 ] || echo "(SQLSTATE $state)"
  SHOWN[i]=$line
  return 0
}

# settle: every step still waiting has finished (printed) or is seen waiting.
settle() {
  local i start=$SECONDS
  for i in "${'$'}{!PENDING[@]}"; do
    [ -n "${'$'}{PENDING[i]:-}" ] || continue
    while :; do
      if answered_quietly "$i"; then break; fi
      if blocked "$i"; then
        answered_quietly "$i" || true
        break
      fi
      ((SECONDS - start < STEP_TIMEOUT)) || fail "step ${'$'}{STEP_NAME[PENDING[i]]} neither finished nor waited on a lock within ${'$'}{STEP_TIMEOUT}s"
      sleep 0.02
    done
  done
}

# answered_quietly INDEX: a waiting step of the session that has finished, printed as the isolation tester prints it.
answered_quietly() {
  local i=$1 n=${'$'}{PENDING[$1]:-}
  grep -q "^@@chatcheck done $n " "$WORK/$i.out" || return 1
  echo "step ${'$'}{STEP_NAME[n]}: <... completed>"
  answered "$i" "$n"
  PENDING[i]=
}

# finish INDEX: waits until the session's waiting step (if any) has finished.
finish() {
  local i=$1 start=$SECONDS
  while [ -n "${'$'}{PENDING[i]:-}" ]; do
    answered_quietly "$i" && break
    settle
    [ -n "${'$'}{PENDING[i]:-}" ] || break
    ((SECONDS - start < STEP_TIMEOUT)) || fail "step ${'$'}{STEP_NAME[PENDING[i]]} still waits after ${'$'}{STEP_TIMEOUT}s: a hang"
    sleep 0.02
  done
}

# step INDEX NAME LABEL: sends the SQL on stdin to the session, then prints its answer or that it waits.
step() {
  local i=$1 name=$2 label=$3 sql n start
  sql=$(cat)
  finish "$i"
  STEPS=$((STEPS + 1))
  n=$STEPS
  STEP_NAME[n]=$name
  printf '%s;\n\\echo @@chatcheck done %s :SQLSTATE\n' "$sql" "$n" >&"${'$'}{SESSION_FD[i]}"
  start=$SECONDS
  while :; do
    if grep -q "^@@chatcheck done $n " "$WORK/$i.out"; then
      echo "step $name: $label"
      answered "$i" "$n"
      break
    fi
    if blocked "$i" && ! grep -q "^@@chatcheck done $n " "$WORK/$i.out"; then
      echo "step $name: $label <waiting ...>"
      PENDING[i]=$n
      break
    fi
    ((SECONDS - start < STEP_TIMEOUT)) || fail "step $name neither finished nor waited on a lock within ${'$'}{STEP_TIMEOUT}s"
    sleep 0.02
  done
  settle
}

# end: every waiting step finished, every session's psql ended.
end_sessions() {
  local i
  for i in "${'$'}{!PENDING[@]}"; do finish "$i"; done
  for i in "${'$'}{!SESSION_PSQL[@]}"; do
    eval "exec ${'$'}{SESSION_FD[i]}>&-"
    wait "${'$'}{SESSION_PSQL[i]}"
  done
  SESSION_PSQL=()
  SESSION_FD=()
}

# sql: runs the SQL on stdin on a connection of its own, stopping at the first error.
sql() {
  pg -v ON_ERROR_STOP=1 "$@"
}
`;

/**
 * A race case as a bash script that plays the case's schedule with psql sessions, one per
 * connection of the race, and prints the bad state: no Node, no chatcheck, no isolation tester.
 * The same steps as the isolation spec (isolation-spec.ts), in the same order; the database is
 * the script's first argument (a URL or conninfo), or psql's usual PGHOST, PGDATABASE, … without one.
 */
export function renderRaceScript(scenario: IsolationScenario, name: string, spec: string): string {
  const comment = (line: string) => (line === '' ? '#' : `# ${line}`);
  const heredoc = (command: string, sql: string, after = '') => `${command} <<'${END}'${after}\n${sql}\n${END}`;
  const lines: string[] = [
    '#!/usr/bin/env bash',
    comment(`${name}: a chatcheck race case played with psql sessions (written by chatcheck replay --psql,`),
    comment(`beside ${spec}, the same steps as a spec for PostgreSQL's isolation tester).`),
    '#',
    ...scenario.header.map(comment),
    '#',
    comment(`Run it against a database with the migrations applied (it deletes every row of the chat tables:`),
    comment('workspace, "user" and all that hangs off them, before and after):'),
    comment(`  bash ${name} "$DATABASE_URL"      (no argument: psql's PGHOST, PGDATABASE, … as usual)`),
    comment('It needs bash and psql only. It prints each step and its answer, "<waiting ...>" when a step'),
    comment('waits on a lock held by another session, "<... completed>" when it goes on, then the bad state.'),
    comment('CHATCHECK_KEEP=1 leaves the rows as the race left them; CHATCHECK_STEP_TIMEOUT (seconds, default 60)'),
    comment('bounds how long one step may run without finishing or waiting on a lock.'),
    ...(scenario.usesCaptures
      ? [
          '#',
          comment(`Ids and times PostgreSQL makes during the race go through the table ${CAPTURE_TABLE}: see ${spec}.`),
        ]
      : []),
    ...(scenario.shownBy.length > 0 ? ['#', ...scenario.shownBy.map(comment)] : []),
    '',
    DRIVER,
    'echo "setup: the chat tables at the start of the race"',
    heredoc('sql >/dev/null', `${scenario.setup.join(';\n')};`, ' || fail "the setup failed (is the schema migrated?)"'),
    '',
  ];
  scenario.sessions.forEach((session, index) => {
    lines.push(comment(`${session.letter} = ${session.call}`), heredoc(`session ${index} ${session.letter}`, `${session.setup};`));
  });
  lines.push('');
  for (const step of scenario.steps) {
    lines.push(...step.notes.map(comment), heredoc(`step ${step.session} ${step.name} ${step.label}`, step.sql));
  }
  lines.push('end_sessions', '');
  if (scenario.badState !== undefined) {
    lines.push(
      'echo',
      'echo "bad state:"',
      ...scenario.badState.explain.map((line) => `echo ${shellQuoted(`  ${line}`)}`),
      heredoc("sql -P null='(null)'", `${scenario.badState.sql};`, ' || fail "the bad-state query failed"'),
    );
  } else {
    lines.push(...scenario.shownBy.map((line) => `echo ${shellQuoted(`chatcheck: ${line}`)}`));
  }
  lines.push('', 'if [ "${CHATCHECK_KEEP:-}" != 1 ]; then', heredoc('  sql >/dev/null', `${scenario.teardown.join(';\n')};`), 'fi', '');
  return lines.join('\n');
}

function shellQuoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
