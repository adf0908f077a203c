import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOutputFiles } from '../../src/outputs.js';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'chatcheck-outputs-'));
  await mkdir(path.join(scratch, 'existing'));
  await writeFile(path.join(scratch, 'a-file'), '');
});
afterAll(async () => rm(scratch, { recursive: true, force: true }));

const at = (name: string) => path.join(scratch, name);

describe('output destinations, checked before a run starts', () => {
  it('takes a file in an existing directory, an existing directory, and a new directory whose parent exists (made later, not now)', async () => {
    await checkOutputFiles([
      { option: '--json', file: at('report.json') },
      { option: '--junit', file: at('a-file') },
      { option: '--save', file: at('existing'), directory: true },
      { option: '--report', file: at('new-pages'), directory: true },
      { option: '--json', file: undefined },
    ]);
    await expect(stat(at('new-pages'))).rejects.toThrow(/ENOENT/);
  });

  it('refuses a directory that is a file, or whose parent does not exist, naming the option', async () => {
    await expect(checkOutputFiles([{ option: '--save', file: at('a-file'), directory: true }])).rejects.toThrow(/^--save .*a-file is not a directory — /);
    await expect(checkOutputFiles([{ option: '--report', file: at('missing/pages'), directory: true }])).rejects.toThrow(/^--report .*missing\/pages: the directory .*missing does not exist — /);
    await expect(checkOutputFiles([{ option: '--junit', file: at('existing') }])).rejects.toThrow(/^--junit .*existing is a directory — /);
  });

  it('refuses two options naming one path, except --save and --report sharing a directory', async () => {
    await expect(checkOutputFiles([{ option: '--json', file: at('r') }, { option: '--junit', file: at('r') }])).rejects.toThrow(/^--json and --junit both name .*\/r — give each of them a path of its own$/);
    await expect(checkOutputFiles([{ option: '--json', file: at('existing') }, { option: '--save', file: at('existing'), directory: true }])).rejects.toThrow(/both name/);
    await checkOutputFiles([
      { option: '--save', file: at('out'), directory: true },
      { option: '--report', file: at('out'), directory: true },
    ]);
  });
});
