import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { SetupError } from './errors.js';

/** A file a run will write when it ends, and the option that named it (`--json`, later `--junit`, `--save`, …). */
export interface OutputFile {
  readonly option: string;
  /** Absolute path; undefined when the option was not given. */
  readonly file: string | undefined;
}

/**
 * Checks every output destination before anything starts, so a run never does all its work and
 * then fails to write its result: the directory must exist and be writable, and the file, if it
 * already exists, must be a writable file (it is replaced). Throws a SetupError naming the option.
 */
export async function checkOutputFiles(outputs: readonly OutputFile[]): Promise<void> {
  for (const { option, file } of outputs) {
    if (file !== undefined) await checkOutputFile(option, file);
  }
}

async function checkOutputFile(option: string, file: string): Promise<void> {
  const fix = `pass a ${option} path in an existing, writable directory`;
  const existing = await stat(file).catch(() => undefined);
  if (existing?.isDirectory()) throw new SetupError(`${option} ${file} is a directory`, `${fix}, ending in a file name`);
  const dir = path.dirname(file);
  const parent = await stat(dir).catch(() => undefined);
  if (parent === undefined) throw new SetupError(`${option} ${file}: the directory ${dir} does not exist`, `create it, or ${fix}`);
  if (!parent.isDirectory()) throw new SetupError(`${option} ${file}: ${dir} is not a directory`, fix);
  const writable = async (target: string) => access(target, constants.W_OK).then(() => true, () => false);
  if (!(await writable(dir))) throw new SetupError(`${option} ${file}: cannot write in ${dir}`, fix);
  if (existing !== undefined && !(await writable(file))) throw new SetupError(`${option} ${file} exists and cannot be written`, `make it writable, or ${fix}`);
}
