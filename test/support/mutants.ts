import { expect } from 'vitest';
import type { FileMutant } from '../../src/mutate/mutant.js';
import { parseStatements, sameTree, type Statement } from '../../src/mutate/sql-ast.js';

/** The mutant with this id (an error naming the ids there are, when there is none). */
export function mutantById(mutants: readonly FileMutant[], id: string): FileMutant {
  const found = mutants.find((candidate) => candidate.id === id);
  if (found === undefined) throw new Error(`no mutant ${id}; have ${mutants.map((candidate) => candidate.id).join(', ')}`);
  return found;
}

/** The one statement the mutant changed in its file among `files` (the test fails when there is not exactly one). */
export function changedStatementOf(files: readonly { name: string; text: string }[], changed: FileMutant): { before: Statement; after: Statement; original: string } {
  const original = files.find((file) => file.name === changed.file)!.text;
  const before = parseStatements(original);
  const after = parseStatements(changed.text);
  expect(after).toHaveLength(before.length);
  const differing = before.flatMap((statement, index) => (sameTree(statement.node, after[index]!.node) ? [] : [index]));
  expect(differing, changed.id).toHaveLength(1);
  return { before: before[differing[0]!]!, after: after[differing[0]!]!, original };
}
