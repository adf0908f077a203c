import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { shown } from '../commands/setup.js';
import type { RunOptions } from '../options.js';
import type { CaseInputs } from './case-file.js';

/**
 * What a run's findings were found on, as a case file records it: the digest of the query files'
 * text and of the migrations', in the order the run used them. Only the text counts, not where the
 * files lie, so a case recorded in one checkout matches the same files in another.
 *
 * Synchronous, for the code that turns a finding into JSON: by then the run has read every one of
 * these files once (with its own errors, src/commands/setup.ts), so reading them again cannot fail
 * for a reason the run did not already report.
 */
export function caseInputs(options: Pick<RunOptions, 'queryFiles' | 'schemaPaths'>): CaseInputs {
  return {
    queryFiles: options.queryFiles.map(shown),
    queries: digest(options.queryFiles.map((file) => readFileSync(file, 'utf8'))),
    migrations: digest(migrationFiles(options.schemaPaths).map((file) => readFileSync(file, 'utf8'))),
  };
}

/** `sha256:<hex>` of texts in order, each ended by a NUL (no text holds one), so where one ends is part of it. */
export function digest(texts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const text of texts) hash.update(text).update('\0');
  return `sha256:${hash.digest('hex')}`;
}

/**
 * The migration files in the order the run applies them — the listing of readMigrations
 * (src/postgres/migrate.ts): a directory's `*.up.sql` in byte order of their names, a file as it
 * is unless a `*.down.sql`, each file once where it first comes.
 */
function migrationFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const given of paths) {
    const found = statSync(given).isDirectory()
      ? readdirSync(given)
          .filter((name) => name.endsWith('.up.sql'))
          .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
          .map((name) => path.join(given, name))
      : [given];
    files.push(...found.filter((file) => !file.endsWith('.down.sql')));
  }
  return [...new Set(files)];
}
