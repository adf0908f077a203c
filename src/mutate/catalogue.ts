import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { internalQueryFiles } from '../paths.js';
import { columnRules, columnWrites } from './column-writes.js';
import { equivalentMutants, provenEquivalent } from './equivalent.js';
import type { Mutant, MutantFamily } from './mutant.js';
import { schemaMutants } from './schema-mutants.js';
import { tablesOf } from './sql-ast.js';
import { sqlMutants } from './sql-mutants.js';
import { workflowMutants } from './workflow-mutants.js';

/** A text file as read: its path, and its text. */
export interface SourceFile {
  readonly file: string;
  readonly text: string;
}

/** A mutant with what a hand review said of it: why no test can observe it, when none can. */
export type CatalogueEntry = Mutant & { readonly equivalent?: string };

/**
 * Every mutant of the SQL under test, of the schema and of the workflows, in a fixed order (SQL,
 * schema, workflow; within each, file and statement order). The same files give the same ids.
 */
export async function mutantCatalogue(queries: readonly SourceFile[], migrations: readonly SourceFile[]): Promise<CatalogueEntry[]> {
  const named = (files: readonly SourceFile[]) => files.map(({ file, text }) => ({ name: path.basename(file), text }));
  const all: Mutant[] = [...(await sqlMutants(named(queries), named(migrations))), ...(await schemaMutants(named(migrations))), ...workflowMutants];
  // What every statement writes, chatcheck's fixtures included: they write the rows around chat.
  const fixtures = await Promise.all(internalQueryFiles.map(async (file) => ({ file, text: await readFile(file, 'utf8') })));
  const writes = await columnWrites(named([...queries, ...fixtures]), tablesOf(named(migrations)));
  const rules = await columnRules(named(migrations));
  return all.map((mutant) => {
    const reason = equivalentMutants.get(mutant.id) ?? provenEquivalent(mutant.id, writes, rules);
    return reason === undefined ? mutant : { ...mutant, equivalent: reason };
  });
}

export const families: readonly MutantFamily[] = ['sql', 'schema', 'workflow'];
