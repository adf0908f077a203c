import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { internalQueryFiles } from '../paths.js';
import { QueryFileError } from './errors.js';

/**
 * The query files that `--queries` paths name, as sqlc reads its `queries:` setting: a file as it is,
 * a directory as every `*.sql` file directly in it, in byte order of their names — not hidden ones,
 * not golang-migrate `*.down.sql`, not subdirectories. Paths come back absolute, each once (a file
 * named twice, or inside a directory also given, is loaded once). chatcheck's own fixture.sql and
 * state.sql are skipped when a directory holds them: they are always loaded, from the package.
 */
export function expandQueryPaths(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const given of paths) {
    const resolved = path.resolve(given);
    const stats = statOrUndefined(resolved);
    if (stats === undefined) {
      throw new QueryFileError('unreadable', given, undefined, 'no such file or directory', 'give --queries a sqlc query file or a directory of them, e.g. --queries src/queries/chat.sql or the directory sqlc.yaml names under "queries"');
    }
    if (!stats.isDirectory()) {
      files.push(resolved);
      continue;
    }
    const found = sqlFilesIn(resolved, given);
    if (found.length === 0) {
      throw new QueryFileError('unreadable', given, undefined, 'this directory holds no *.sql file', 'give --queries the directory that holds the query files (sqlc.yaml\'s "queries"), or the files themselves');
    }
    files.push(...found.filter((file) => !internalQueryFiles.includes(file)));
  }
  return [...new Set(files)];
}

function sqlFilesIn(dir: string, given: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : error instanceof Error ? error.message : String(error);
    throw new QueryFileError('unreadable', given, undefined, `cannot list the directory: ${reason}`, 'check the path and its permissions');
  }
  return names
    .filter((name) => name.endsWith('.sql') && !name.startsWith('.') && !name.endsWith('.down.sql'))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((name) => path.join(dir, name))
    .filter((file) => statOrUndefined(file)?.isFile() === true);
}

function statOrUndefined(file: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}
