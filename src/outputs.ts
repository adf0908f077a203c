import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { SetupError } from './errors.js';

/**
 * A destination a run writes when it ends, and the option that named it: a file (`--json`,
 * `--junit`) or a directory (`--save`, `--report`).
 */
export interface OutputFile {
  readonly option: string;
  /** Absolute path; undefined when the option was not given. */
  readonly file: string | undefined;
  /** A directory the run writes files into, rather than a file. */
  readonly directory?: boolean;
}

/**
 * Checks every output destination before anything starts, so a run never does all its work and
 * then fails to write its result. A file: its directory must exist and be writable, and the file,
 * if it already exists, must be a writable file (it is replaced). A directory: if it exists it must
 * be a writable directory (files in it of the same names are replaced); if not, its parent must
 * exist and be writable — the run creates it when it writes into it, at its end, so a run that
 * fails first leaves nothing behind. Two options may not name the same path, but --save and
 * --report may share a directory. Throws a SetupError naming the option.
 */
export async function checkOutputFiles(outputs: readonly OutputFile[]): Promise<void> {
  const given = outputs.filter((output) => output.file !== undefined);
  for (const [i, output] of given.entries()) {
    // Case files and race pages have names of their own: two directories may be one.
    const other = given.slice(0, i).find((earlier) => earlier.file === output.file && !(earlier.directory === true && output.directory === true));
    if (other !== undefined) throw new SetupError(`${other.option} and ${output.option} both name ${output.file}`, `give each of them a path of its own`);
  }
  for (const { option, file, directory } of given) {
    if (directory === true) await checkOutputDirectory(option, file!);
    else await checkOutputFile(option, file!);
  }
}

const writable = async (target: string) => access(target, constants.W_OK).then(() => true, () => false);

async function checkOutputFile(option: string, file: string): Promise<void> {
  const fix = `pass a ${option} path in an existing, writable directory`;
  const existing = await stat(file).catch(() => undefined);
  if (existing?.isDirectory()) throw new SetupError(`${option} ${file} is a directory`, `${fix}, ending in a file name`);
  await checkParent(option, file, fix);
  if (existing !== undefined && !(await writable(file))) throw new SetupError(`${option} ${file} exists and cannot be written`, `make it writable, or ${fix}`);
}

async function checkOutputDirectory(option: string, dir: string): Promise<void> {
  const fix = `pass a ${option} directory that exists and is writable, or a new one in a directory that is`;
  const existing = await stat(dir).catch(() => undefined);
  if (existing === undefined) return checkParent(option, dir, fix);
  if (!existing.isDirectory()) throw new SetupError(`${option} ${dir} is not a directory`, fix);
  if (!(await writable(dir))) throw new SetupError(`${option} ${dir}: cannot write in it`, fix);
}

/** The directory `target` is to be made in exists, is a directory, and takes new entries. */
async function checkParent(option: string, target: string, fix: string): Promise<void> {
  const dir = path.dirname(target);
  const parent = await stat(dir).catch(() => undefined);
  if (parent === undefined) throw new SetupError(`${option} ${target}: the directory ${dir} does not exist`, `create it, or ${fix}`);
  if (!parent.isDirectory()) throw new SetupError(`${option} ${target}: ${dir} is not a directory`, fix);
  if (!(await writable(dir))) throw new SetupError(`${option} ${target}: cannot write in ${dir}`, fix);
}
