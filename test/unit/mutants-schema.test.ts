import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ColumnDef, Node } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FileMutant } from '../../src/mutate/mutant.js';
import { loadParser, parseStatements, sameTree } from '../../src/mutate/sql-ast.js';
import { schemaMutants } from '../../src/mutate/schema-mutants.js';
import { bundledMigrationsDir } from '../../src/paths.js';
import { changedStatementOf, mutantById } from '../support/mutants.js';

const migrations = readdirSync(bundledMigrationsDir)
  .filter((name) => name.endsWith('.up.sql'))
  .sort()
  .map((name) => ({ name, text: readFileSync(path.join(bundledMigrationsDir, name), 'utf8') }));

let mutants: FileMutant[];
beforeAll(async () => {
  await loadParser();
  mutants = await schemaMutants(migrations);
});

const mutant = (id: string): FileMutant => mutantById(mutants, id);
const changedStatement = (changed: FileMutant) => changedStatementOf(migrations, changed);

/** A column of the CREATE TABLE a mutant changed. */
function column(changed: FileMutant, name: string): ColumnDef {
  const { node } = changedStatement(changed).after;
  const elements = 'CreateStmt' in node ? (node.CreateStmt.tableElts ?? []) : [];
  const found = elements.find((element) => 'ColumnDef' in element && element.ColumnDef.colname === name);
  if (found === undefined || !('ColumnDef' in found)) throw new Error(`${changed.id} has no column ${name}`);
  return found.ColumnDef;
}

const constraintTypes = (def: ColumnDef) => (def.constraints ?? []).map((node: Node) => ('Constraint' in node ? node.Constraint.contype : undefined));

describe('schemaMutants', () => {
  it('writes migrations that still parse, each with exactly one statement changed and the text around it kept', () => {
    for (const changed of mutants) {
      const { before, after, original } = changedStatement(changed);
      expect(changed.text.slice(0, after.start)).toBe(original.slice(0, before.start));
      expect(changed.text.slice(after.end)).toBe(original.slice(before.end));
      expect(changed.family).toBe('schema');
      expect(changed.id).toMatch(/^schema:[a-z_]+\.[a-z_]+:[a-z-]+(:\d+)?$/);
    }
  });

  it('gives unique ids, and the same mutants every time', async () => {
    expect(new Set(mutants.map((each) => each.id)).size).toBe(mutants.length);
    expect(await schemaMutants(migrations)).toEqual(mutants);
  });

  it("changes a foreign key's ON DELETE action to each of the two others", () => {
    const cascade = mutant('schema:agent_task_queue.chat_session_id:on-delete-cascade');
    expect(cascade.file).toBe('005_agent_task_queue.up.sql');
    expect(cascade.description).toBe('agent_task_queue.chat_session_id: ON DELETE SET NULL becomes ON DELETE CASCADE (REFERENCES chat_session)');
    expect(column(cascade, 'chat_session_id').constraints).toMatchObject([{ Constraint: { contype: 'CONSTR_FOREIGN', fk_del_action: 'c' } }]);
    expect(column(mutant('schema:agent_task_queue.chat_session_id:on-delete-no-action'), 'chat_session_id').constraints).toMatchObject([
      { Constraint: { fk_del_action: 'a' } },
    ]);
    expect(mutants.filter((each) => each.id.startsWith('schema:agent_task_queue.chat_session_id:on-delete-')).map((each) => each.id)).toHaveLength(2);
    // RESTRICT counts as NO ACTION.
    expect(mutants.filter((each) => each.id.startsWith('schema:agent.runtime_id:on-delete-')).map((each) => each.id)).toEqual([
      'schema:agent.runtime_id:on-delete-cascade',
      'schema:agent.runtime_id:on-delete-set-null',
    ]);
  });

  it('drops CHECK, NOT NULL and DEFAULT, but not the NOT NULL of a primary key column', () => {
    expect(constraintTypes(column(mutant('schema:chat_session.status:drop-check'), 'status'))).toEqual(['CONSTR_NOTNULL', 'CONSTR_DEFAULT']);
    expect(constraintTypes(column(mutant('schema:chat_session.status:drop-not-null'), 'status'))).toEqual(['CONSTR_DEFAULT', 'CONSTR_CHECK']);
    expect(constraintTypes(column(mutant('schema:chat_session.status:drop-default'), 'status'))).toEqual(['CONSTR_NOTNULL', 'CONSTR_CHECK']);
    expect(column(mutant('schema:chat_message.content:drop-not-null'), 'content').constraints).toBeUndefined();
    expect(mutants.filter((each) => /\.id:drop-not-null$/.test(each.id))).toEqual([]);
    expect(mutant('schema:chat_session.id:drop-default').description).toBe('chat_session.id: drops DEFAULT gen_random_uuid()');
  });

  it('drops UNIQUE constraints, named or not, and weakens a partial unique index both ways', () => {
    expect(mutant('schema:workspace.workspace_slug_key:drop-unique').description).toBe('workspace.workspace_slug_key: drops UNIQUE (slug)');
    mutant('schema:agent_runtime.agent_runtime_workspace_id_daemon_id_provider_key:drop-unique');
    const index = 'schema:agent_task_queue.idx_one_pending_task_per_issue_agent';
    const plain = parseStatements("CREATE INDEX idx_one_pending_task_per_issue_agent ON agent_task_queue (issue_id, agent_id) WHERE status IN ('queued', 'dispatched')");
    expect(sameTree(changedStatement(mutant(`${index}:drop-unique`)).after.node, plain[0]!.node)).toBe(true);
    const total = parseStatements('CREATE UNIQUE INDEX idx_one_pending_task_per_issue_agent ON agent_task_queue (issue_id, agent_id)');
    expect(sameTree(changedStatement(mutant(`${index}:drop-index-predicate`)).after.node, total[0]!.node)).toBe(true);
    // Non-unique indexes only make queries faster: nothing to weaken.
    expect(mutants.filter((each) => each.id.includes('idx_agent_task_queue_pending'))).toEqual([]);
  });

  it('numbers a repeated id and mutates only the tables the migrations create', async () => {
    const extra = await schemaMutants([
      { name: '001_t.up.sql', text: 'CREATE TABLE t (a int CHECK (a > 0) CHECK (a < 9));\nCREATE UNIQUE INDEX elsewhere ON not_here (x);' },
    ]);
    expect(extra.map((each) => each.id)).toEqual(['schema:t.a:drop-check:1', 'schema:t.a:drop-check:2']);
  });
});
