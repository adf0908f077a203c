import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { begin, commit, many, one, type Outcome, type Program } from '../../model/program.js';
import { noContent } from '../../model/workflows/common.js';
import { variantNames, workflow } from '../../model/workflows/index.js';
import { connect } from '../../src/postgres/databases.js';
import { explore } from '../../src/race/exploration.js';
import { knownFindings } from '../../src/race/known-findings.js';
import type { RaceRunner } from '../../src/race/race-runner.js';
import { racingWorkflows, type RacingWorkflow } from '../../src/race/race-workflows.js';
import { chooseLetters } from '../../src/race/schedule.js';
import { renderTimeline } from '../../src/race/timeline.js';
import { projectServer } from '../support/database.js';
import { withEditedFiles } from '../support/mutant.js';
import { withRaceRunner } from '../support/race.js';

const everyInterleaving = { kind: 'exhaustive', budget: Infinity } as const;

/** The explorer's sessions as the server sees them: none in a transaction, none holding a lock. */
async function sessionsAtRest(runner: RaceRunner, admin: pg.Client): Promise<{ busy: unknown[]; locks: unknown[] }> {
  const pids = runner.explorer.sessions.map((session) => session.pid);
  const busy = await admin.query(`SELECT pid, state, xact_start FROM pg_stat_activity WHERE pid = ANY($1) AND (state <> 'idle' OR xact_start IS NOT NULL)`, [pids]);
  const locks = await admin.query(`SELECT pid, locktype, mode FROM pg_locks WHERE pid = ANY($1)`, [pids]);
  return { busy: busy.rows, locks: locks.rows };
}

async function withAdmin<T>(fn: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = await connect(projectServer().target);
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

describe('the bundled 60b queries under the race explorer', () => {
  it('send vs delete: every interleaving conforms, and each serial outcome is reached', async () => {
    await withRaceRunner(async (runner) => {
      const exploration = await explore(runner, racingWorkflows(['send', 'delete']), everyInterleaving, 1);
      expect(exploration.finding, exploration.finding && renderTimeline(exploration.finding.execution.timeline, 2).join('\n')).toBeUndefined();
      expect(exploration.complete).toBe(true);
      // Counted when written: 224 interleavings with overlapping autocommits and adjacent reads in one order; the spec's O1–O5 in 4 outcomes.
      expect(exploration.interleavings).toBe(224);
      expect(exploration.race.serial).toHaveLength(4);
      expect(exploration.reached.size).toBe(4);
    });
  });

  it('two sends and a delete: 2,000 sampled schedules, no finding', async () => {
    await withRaceRunner(async (runner) => {
      const exploration = await explore(runner, racingWorkflows(['send', 'send', 'delete']), { kind: 'sampled', runs: 2000, seed: 7 }, 7);
      expect(exploration.finding, exploration.finding && renderTimeline(exploration.finding.execution.timeline, 3).join('\n')).toBeUndefined();
      expect(exploration.schedules).toBe(2000);
      expect(exploration.reached.size).toBeGreaterThan(1);
    });
  }, 120_000);

  it('each known finding still reproduces from its recorded schedule, and only as that known finding', async () => {
    await withRaceRunner(async (runner) => {
      for (const known of knownFindings) {
        const exploration = await explore(runner, racingWorkflows(known.race, known.variants), { kind: 'replay', schedule: known.schedule }, 1);
        expect(exploration.finding, `${known.id}: ${exploration.finding?.finding.kind}`).toBeUndefined();
        expect(exploration.known.map((entry) => entry.known.id)).toEqual([known.id]);
      }
    });
  });

  it('the lock-order deadlock of delete vs complete names the same victim 20 times out of 20', async () => {
    await withRaceRunner(async (runner) => {
      const known = knownFindings.find((finding) => finding.id === 'delete-complete-lock-order')!;
      const race = await runner.prepare(racingWorkflows(known.race));
      const victims = new Set<number>();
      for (let i = 0; i < 20; i++) {
        const { verdict } = await runner.run(race, chooseLetters(known.schedule));
        expect(verdict).toMatchObject({ ok: false, kind: 'deadlock', sqlstate: '40P01' });
        if (!verdict.ok && verdict.kind === 'deadlock') victims.add(verdict.victim);
      }
      expect([...victims]).toEqual([1]);
    });
  });
});

describe('the first versions of the delete (PR #2115) orphan a queued task', () => {
  for (const variant of variantNames) {
    it(`${variant}: found by the invariant, shrunk, and replayed 20 times out of 20`, async () => {
      await withRaceRunner(async (runner) => {
        const workflows = racingWorkflows(['send', 'delete'], [variant]);
        const walked = await explore(runner, workflows, everyInterleaving, 1);
        expect(walked.finding?.finding).toMatchObject({ kind: 'invariant', invariant: { name: 'no live chat task outlives its session' } });
        const sampled = await explore(runner, workflows, { kind: 'sampled', runs: 200, seed: 3 }, 3);
        const found = sampled.finding!;
        expect(found.finding).toMatchObject({ kind: 'invariant', invariant: { name: 'no live chat task outlives its session' } });
        // Shrunk: no longer than the first failing leaf of the exhaustive walk (the smallest in walk order).
        expect(found.execution.schedule.length).toBeLessThanOrEqual(walked.finding!.execution.schedule.length);
        const timeline = renderTimeline(found.execution.timeline, 2);
        expect(timeline[0]).toMatch(/^A\s+\| B$/);
        expect(timeline.join('\n')).toMatch(/CreateChatTask → row/);
        const race = await runner.prepare(workflows);
        for (let i = 0; i < 20; i++) {
          const { execution, verdict } = await runner.run(race, chooseLetters(found.execution.schedule));
          expect(execution.schedule).toBe(found.execution.schedule);
          expect(verdict).toEqual(found.finding);
        }
      });
    }, 60_000);
  }
});

describe('LockChatSessionForDelete with a weaker lock than FOR UPDATE', () => {
  for (const strength of ['FOR NO KEY UPDATE', 'FOR SHARE']) {
    it(`${strength}: the send's task insert slips past the lock, and the orphan is found`, async () => {
      await withEditedFiles('chat', 'WHERE id = $1\nFOR UPDATE;', `WHERE id = $1\n${strength};`, async (files) => {
        await withRaceRunner(async (runner) => {
          const exploration = await explore(runner, racingWorkflows(['send', 'delete']), everyInterleaving, 1);
          expect(exploration.finding?.finding).toMatchObject({ kind: 'invariant', invariant: { name: 'no live chat task outlives its session' } });
        }, files);
      });
    });
  }
});

describe('ClaimAgentTask without SKIP LOCKED', () => {
  it('a claim that waits for the other claim is found as "waited": the outcome alone would pass', async () => {
    await withEditedFiles('tasks', 'FOR UPDATE SKIP LOCKED', 'FOR UPDATE', async (files) => {
      await withRaceRunner(async (runner) => {
        const exploration = await explore(runner, racingWorkflows(['claim', 'claim']), everyInterleaving, 1);
        expect(exploration.finding?.finding).toMatchObject({ kind: 'waited', step: 'ClaimAgentTask' });
      }, files);
    });
  });

  it('with SKIP LOCKED (the bundled query), no interleaving of two claims makes one wait', async () => {
    await withRaceRunner(async (runner) => {
      const exploration = await explore(runner, racingWorkflows(['claim', 'claim']), everyInterleaving, 1);
      expect(exploration.finding).toBeUndefined();
      expect(exploration.complete).toBe(true);
    });
  });
});

/** Two transactions that take the session and its tasks in opposite orders: a planted lock-order inversion. */
function lockOrder(name: string, sessionFirst: boolean): RacingWorkflow {
  function* program(input: Readonly<Record<string, unknown>>): Program<Outcome> {
    const id = input['session_id'] as string;
    yield* begin();
    if (sessionFirst) yield* one('LockChatSessionForDelete', { id });
    yield* many('CancelAgentTasksByChatSession', { chat_session_id: id });
    if (!sessionFirst) yield* one('LockChatSessionForDelete', { id });
    yield* commit();
    return noContent;
  }
  return { name, workflow: 'DeleteChatSession', stage: 'queued', args: { session_id: { ref: 'chat_session', pick: -1 } }, program };
}

describe('a planted lock-order inversion', () => {
  it('is a deadlock with SQLSTATE 40P01, and its replay names the same victim 20 times out of 20', async () => {
    await withRaceRunner(async (runner) => {
      const workflows = [lockOrder('session-then-tasks', true), lockOrder('tasks-then-session', false)];
      const exploration = await explore(runner, workflows, everyInterleaving, 1);
      const found = exploration.finding!;
      expect(found.finding).toMatchObject({ kind: 'deadlock', sqlstate: '40P01' });
      const race = await runner.prepare(workflows);
      for (let i = 0; i < 20; i++) {
        const { verdict } = await runner.run(race, chooseLetters(found.execution.schedule));
        expect(verdict).toEqual(found.finding);
      }
      await withAdmin(async (admin) => expect(await sessionsAtRest(runner, admin)).toEqual({ busy: [], locks: [] }));
    });
  });
});

describe('connections after trouble', () => {
  it('a statement that waits on a lock outside the schedule is a hang; afterwards no session holds a transaction or a lock', async () => {
    await withRaceRunner(
      async (runner) => {
        const workflows = racingWorkflows(['mark-read', 'mark-read']);
        const race = await runner.prepare(workflows);
        await runner.run(race, chooseLetters('')); // the database now stands at the start
        await withAdmin(async (admin) => {
          const outsider = await connect(runner.target);
          try {
            await outsider.query('BEGIN');
            await outsider.query(`SELECT id FROM chat_session FOR UPDATE`);
            const programs = workflows.map((racing, i) => workflow(racing.workflow, race.realInputs[i] as never));
            const execution = await runner.explorer.execute(programs, chooseLetters(''));
            expect(execution.stop).toMatchObject({ kind: 'hang' });
            expect(await sessionsAtRest(runner, admin)).toEqual({ busy: [], locks: [] });
          } finally {
            await outsider.query('ROLLBACK');
            await outsider.end();
          }
        });
      },
      undefined,
      { overlap: true, timeoutMs: 1_000 },
    );
  });

  it('closing the explorer leaves no backend of it on the server', async () => {
    await withAdmin(async (admin) => {
      let pids: number[] = [];
      await withRaceRunner(async (runner) => {
        pids = [runner.control, ...runner.explorer.sessions.map((session) => session.connection)].map((connection) => (connection.client as unknown as { processID: number }).processID);
        await explore(runner, racingWorkflows(['send', 'delete']), { kind: 'exhaustive', budget: 20 }, 1);
      });
      expect(pids).toHaveLength(4);
      for (let tries = 0; ; tries++) {
        const { rows } = await admin.query(`SELECT pid FROM pg_stat_activity WHERE pid = ANY($1)`, [pids]);
        if (rows.length === 0) break;
        // A backend ends moments after its client closes the socket.
        expect(tries).toBeLessThan(100);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
  });
});
