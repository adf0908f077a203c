import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FileMutant } from '../../src/mutate/mutant.js';
import { deparseStatement, loadParser, parseStatements, sameTree } from '../../src/mutate/sql-ast.js';
import { schemaMutants } from '../../src/mutate/schema-mutants.js';
import { sqlMutants } from '../../src/mutate/sql-mutants.js';
import { bundledMigrationsDir, bundledQueryFiles } from '../../src/paths.js';
import { parseQueryFile } from '../../src/sqlc/loader.js';
import { changedStatementOf, mutantById } from '../support/mutants.js';

const read = (file: string) => ({ name: path.basename(file), text: readFileSync(file, 'utf8') });
const queryFiles = bundledQueryFiles.map(read);
const migrations = readdirSync(bundledMigrationsDir)
  .filter((name) => name.endsWith('.up.sql'))
  .sort()
  .map((name) => read(path.join(bundledMigrationsDir, name)));

let mutants: FileMutant[];
beforeAll(async () => {
  await loadParser();
  mutants = await sqlMutants(queryFiles, migrations);
});

const mutant = (id: string): FileMutant => mutantById(mutants, id);
const changedStatement = (changed: FileMutant) => changedStatementOf(queryFiles, changed);

/** The mutant's changed statement, compared with `sql` as trees (layout aside). */
function expectStatement(id: string, sql: string): void {
  const { after } = changedStatement(mutant(id));
  expect(sameTree(after.node, parseStatements(sql)[0]!.node), deparseStatement(after.node)).toBe(true);
}

describe('parse and deparse', () => {
  it('round-trips every statement of the queries and migrations to an equal tree', () => {
    for (const file of [...queryFiles, ...migrations]) {
      const statements = parseStatements(file.text);
      expect(statements.length, file.name).toBeGreaterThan(0);
      for (const { node } of statements) {
        const sql = deparseStatement(node);
        expect(sameTree(parseStatements(sql)[0]!.node, node), `${file.name}: ${sql}`).toBe(true);
      }
    }
  });

  it('finds each statement from its first token to its ";", past the comments and UTF-8 text before it', () => {
    const text = '-- name: A :one\n-- ü — ü\nSELECT 1;\n/* x /* nested */ */ -- name: B :one\nSELECT \'é\' ;\nSELECT 3';
    expect(parseStatements(text).map(({ start, end }) => text.slice(start, end))).toEqual(['SELECT 1', "SELECT 'é'", 'SELECT 3']);
  });
});

describe('sqlMutants', () => {
  it('writes files that still parse and load, each with exactly one statement changed and every query keeping its parameters', () => {
    const loaded = new Map(queryFiles.map((file) => [file.name, parseQueryFile(file.text, file.name)]));
    for (const changed of mutants) {
      const { before, after, original } = changedStatement(changed);
      // Everything around the statement (comments, annotations) is kept byte for byte.
      expect(changed.text.slice(0, after.start)).toBe(original.slice(0, before.start));
      expect(changed.text.slice(after.end)).toBe(original.slice(before.end));
      const queries = parseQueryFile(changed.text, changed.file);
      const expected = loaded.get(changed.file)!;
      expect(queries.map((query) => [query.name, query.params.length])).toEqual(expected.map((query) => [query.name, query.params.length]));
      expect(changed.family).toBe('sql');
      expect(changed.id).toMatch(/^sql:[A-Za-z]+:[a-z-]+:\d+$/);
      expect(changed.description.startsWith(`${changed.id.split(':')[1]}: `)).toBe(true);
    }
  });

  it('gives unique ids, and the same mutants every time', async () => {
    expect(new Set(mutants.map((each) => each.id)).size).toBe(mutants.length);
    expect(await sqlMutants(queryFiles, migrations)).toEqual(mutants);
  });

  it('mutates only the files it is given', async () => {
    expect(new Set(mutants.map((each) => each.file))).toEqual(new Set(['chat.sql', 'tasks.sql']));
    const chatOnly = await sqlMutants(queryFiles.slice(0, 1), migrations);
    expect(chatOnly).toEqual(mutants.filter((each) => each.file === 'chat.sql'));
  });

  it('drops a WHERE conjunct', () => {
    expect(mutant('sql:SetUnreadSinceIfNull:drop-conjunct:2').description).toBe('SetUnreadSinceIfNull: WHERE drops "unread_since IS NULL"');
    expectStatement('sql:SetUnreadSinceIfNull:drop-conjunct:2', 'UPDATE chat_session SET unread_since = now() WHERE id = $1');
    expectStatement('sql:ListPendingChatTasksByCreator:drop-conjunct:4', "SELECT atq.id AS task_id, atq.status, atq.chat_session_id FROM agent_task_queue atq JOIN chat_session cs ON true WHERE cs.workspace_id = $1 AND cs.creator_id = $2 AND atq.status IN ('queued', 'dispatched', 'running') ORDER BY atq.created_at DESC");
  });

  it('keeps the parameters of a dropped part bound in a dead CASE branch', () => {
    expectStatement('sql:GetChatSessionInWorkspace:drop-conjunct:1', 'SELECT * FROM chat_session WHERE CASE WHEN false THEN id = $1 ELSE true END AND workspace_id = $2');
    expectStatement('sql:UpdateChatSessionTitle:drop-set-item:1', 'UPDATE chat_session SET title = CASE WHEN false THEN $2 ELSE title END, updated_at = now() WHERE id = $1 RETURNING *');
    expectStatement(
      'sql:UpdateAgentTaskSession:coalesce-second:1',
      "UPDATE agent_task_queue SET session_id = CASE WHEN false THEN sqlc.narg('session_id') ELSE session_id END, work_dir = COALESCE(sqlc.narg('work_dir'), work_dir), last_heartbeat_at = now() WHERE id = $1 AND status IN ('dispatched', 'running')",
    );
  });

  it('negates, flips and swaps conditions', () => {
    expectStatement('sql:CountRunningTasks:negate-conjunct:1', "SELECT count(*) FROM agent_task_queue WHERE agent_id = $1 AND NOT (status IN ('dispatched', 'running'))");
    expectStatement('sql:SetUnreadSinceIfNull:null-test-flip:1', 'UPDATE chat_session SET unread_since = now() WHERE id = $1 AND unread_since IS NOT NULL');
    expectStatement('sql:StartAgentTask:eq-neq:2', "UPDATE agent_task_queue SET status = 'running', started_at = now() WHERE id = $1 AND status <> 'dispatched' RETURNING *");
    expectStatement('sql:GetChatSessionInWorkspace:compare-other-column:1', 'SELECT * FROM chat_session WHERE workspace_id = $1 AND workspace_id = $2');
    // Qualified columns keep their alias; the subquery's `active` is agent_task_queue.
    expect(mutant('sql:ClaimAgentTask:compare-other-column:4').description).toBe('ClaimAgentTask: "active.agent_id = candidate.agent_id" compares id instead of agent_id');
  });

  it('changes IN lists with the statuses the file uses', () => {
    expectStatement('sql:GetPendingChatTask:in-list-remove:3', "SELECT id, status, created_at FROM agent_task_queue WHERE chat_session_id = $1 AND status IN ('queued', 'dispatched') ORDER BY created_at DESC LIMIT 1");
    const added = mutants.filter((each) => each.id.startsWith('sql:GetPendingChatTask:in-list-add:')).map((each) => each.description);
    expect(added).toEqual([
      `GetPendingChatTask: "status IN ('queued', 'dispatched', 'running')" adds 'completed'`,
      `GetPendingChatTask: "status IN ('queued', 'dispatched', 'running')" adds 'failed'`,
    ]);
  });

  it('changes ORDER BY and LIMIT', () => {
    expectStatement('sql:ListChatMessages:order-direction:1', 'SELECT * FROM chat_message WHERE chat_session_id = $1 ORDER BY created_at DESC');
    expectStatement('sql:ListChatMessages:drop-order-item:1', 'SELECT * FROM chat_message WHERE chat_session_id = $1');
    expectStatement('sql:ListQueuedClaimCandidatesByRuntime:drop-order-item:1', "SELECT * FROM agent_task_queue WHERE runtime_id = $1 AND status = 'queued' ORDER BY created_at ASC");
    expectStatement('sql:GetPendingChatTask:drop-limit:1', "SELECT id, status, created_at FROM agent_task_queue WHERE chat_session_id = $1 AND status IN ('queued', 'dispatched', 'running') ORDER BY created_at DESC");
  });

  it('changes SET items', () => {
    expectStatement('sql:TouchChatSession:set-old-value:1', 'UPDATE chat_session SET updated_at = updated_at WHERE id = $1');
    expectStatement('sql:MarkChatSessionRead:drop-set-item:1', 'UPDATE chat_session SET unread_since = unread_since WHERE id = $1');
    expectStatement('sql:StartAgentTask:drop-set-item:1', "UPDATE agent_task_queue SET started_at = now() WHERE id = $1 AND status = 'dispatched' RETURNING *");
    expectStatement(
      'sql:FailAgentTask:coalesce-first:1',
      "UPDATE agent_task_queue SET status = 'failed', completed_at = now(), error = $2, failure_reason = sqlc.narg('failure_reason'), session_id = COALESCE(sqlc.narg('session_id'), session_id), work_dir = COALESCE(sqlc.narg('work_dir'), work_dir) WHERE id = $1 AND status IN ('dispatched', 'running') RETURNING *",
    );
  });

  it('changes row locks and joins', () => {
    const strengths = mutants.filter((each) => each.id.startsWith('sql:LockChatSessionForDelete:lock-strength:'));
    expect(strengths.map((each) => each.description)).toEqual([
      'LockChatSessionForDelete: FOR UPDATE becomes FOR NO KEY UPDATE',
      'LockChatSessionForDelete: FOR UPDATE becomes FOR SHARE',
      'LockChatSessionForDelete: FOR UPDATE becomes FOR KEY SHARE',
      'LockChatSessionForDelete: drops FOR UPDATE',
    ]);
    expectStatement('sql:LockChatSessionForDelete:lock-strength:1', 'SELECT id FROM chat_session WHERE id = $1 FOR NO KEY UPDATE');
    expectStatement('sql:LockChatSessionForDelete:lock-strength:4', 'SELECT id FROM chat_session WHERE id = $1');
    expect(changedStatement(mutant('sql:ClaimAgentTask:drop-skip-locked:1')).after.node).toMatchObject({
      UpdateStmt: { whereClause: { A_Expr: { rexpr: { SubLink: { subselect: { SelectStmt: { lockingClause: [{ LockingClause: { strength: 'LCS_FORUPDATE', waitPolicy: 'LockWaitBlock' } }] } } } } } } },
    });
    expect(mutant('sql:ListPendingChatTasksByCreator:join-type:1').description).toContain('LEFT JOIN chat_session AS cs');
  });

  it('applies the operators the bundled files give no work, and makes no mutant that would lose a parameter', async () => {
    const text = [
      '-- name: Other :many',
      "SELECT a.id FROM agent a LEFT JOIN agent_runtime r ON r.id = a.runtime_id WHERE a.status = ANY(ARRAY['idle', 'working']) ORDER BY a.name NULLS FIRST LIMIT $1 FOR SHARE;",
      '-- name: Returning :one',
      'DELETE FROM agent WHERE id = $1 RETURNING id, name;',
    ].join('\n');
    const ids = (await sqlMutants([{ name: 'other.sql', text }])).map((each) => `${each.id} | ${each.description}`);
    expect(ids).toEqual(
      expect.arrayContaining([
        `sql:Other:in-list-remove:1 | Other: "a.status = ANY (ARRAY['idle', 'working'])" drops 'idle'`,
        'sql:Other:drop-nulls-order:1 | Other: ORDER BY "a.name NULLS FIRST" drops its NULLS ordering',
        'sql:Other:lock-strength:1 | Other: FOR SHARE becomes FOR UPDATE',
        'sql:Other:lock-strength:4 | Other: drops FOR SHARE',
        'sql:Other:join-type:1 | Other: "agent AS a LEFT JOIN agent_runtime AS r ON r.id = a.runtime_id" becomes "agent AS a JOIN agent_runtime AS r ON r.id = a.runtime_id"',
        'sql:Returning:drop-returning-column:1 | Returning: RETURNING drops "id"',
        'sql:Returning:drop-returning-column:2 | Returning: RETURNING drops "name"',
      ]),
    );
    // Without LIMIT $1 the query would have no $1 left: chatcheck could not run it.
    expect(ids.filter((id) => id.includes(':drop-limit:'))).toEqual([]);
  });

  it('compares no other column without the schema', async () => {
    const withoutSchema = await sqlMutants(queryFiles);
    expect(withoutSchema.filter((each) => each.id.includes(':compare-other-column:'))).toEqual([]);
    expect(withoutSchema.length).toBe(mutants.filter((each) => !each.id.includes(':compare-other-column:')).length);
  });

  it('makes well over 80 mutants of the SQL and the schema together', async () => {
    const all = [...mutants, ...(await schemaMutants(migrations))];
    const byOperator = new Map<string, number>();
    for (const { id } of all) {
      const [family, , operator] = id.split(':');
      byOperator.set(`${family}:${operator}`, (byOperator.get(`${family}:${operator}`) ?? 0) + 1);
    }
    console.log(`mutants: ${all.length} (sql ${mutants.length}, schema ${all.length - mutants.length})\n${[...byOperator].map(([operator, count]) => `  ${operator}: ${count}`).join('\n')}`);
    expect(all.length).toBeGreaterThan(80);
    expect(mutants.length).toBeGreaterThan(80);
  });
});
