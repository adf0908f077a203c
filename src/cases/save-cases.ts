import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { caseFileName } from './build-case.js';

/**
 * Writes the case of every finding (its JSON's `case` member, see case-file.ts) as one file in
 * `dir`, named by caseFileName; creates `dir` when missing. Returns the paths written, in the
 * findings' order. A finding without a case (none could be built) is skipped.
 */
export async function saveCases(dir: string, findings: readonly unknown[]): Promise<string[]> {
  const cases = findings.flatMap((finding) => {
    const caseFile = (finding as { case?: unknown } | null)?.case;
    return caseFile !== null && typeof caseFile === 'object' ? [caseFile as Record<string, unknown>] : [];
  });
  if (cases.length === 0) return [];
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const caseFile of cases) {
    const file = path.join(dir, caseFileName(caseFile));
    await writeFile(file, `${JSON.stringify(caseFile, null, 2)}\n`);
    written.push(file);
  }
  return written;
}
