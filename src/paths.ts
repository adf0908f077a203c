import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's own directory, found by walking up from this file: the same code runs from src/
 * (tests, via vitest) and from dist/src/ (the built CLI), at different depths.
 */
function findPackageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('chatcheck: cannot find its own package.json');
    dir = parent;
  }
  return dir;
}

export const packageRoot = findPackageRoot();

/** The bundled schema under test. */
export const bundledMigrationsDir = path.join(packageRoot, 'migrations');

/** The bundled SQL under test: the seed's chat queries and the task-lifecycle queries. */
export const bundledQueryFiles = [
  path.join(packageRoot, 'src', 'queries', 'chat.sql'),
  path.join(packageRoot, 'src', 'queries', 'tasks.sql'),
];

/** chatcheck's own SQL, not under test: the rows around chat, and reading/resetting whole tables. */
export const internalQueryFiles = [
  path.join(packageRoot, 'src', 'queries', 'fixture.sql'),
  path.join(packageRoot, 'src', 'queries', 'state.sql'),
];
