import path from 'node:path';

/** A path as the person typed it relative to here, when it is below here. */
export function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
}

/**
 * A path in a printed command line (a replay line): as `shown` — relative to here when below here,
 * so a line from a CI log also runs in another checkout of the same repository; absolute otherwise,
 * naming exactly the file — and quoted for a POSIX shell when it holds anything but plain characters.
 */
export function shownInCommand(file: string): string {
  const text = shown(file);
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
