import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { projectServer } from '../support/database.js';

/**
 * The README's worked examples, run as written: every line of a ```sh block that ends with
 * `# → exit N`, in the order the README gives them, each in bash, must exit with N. They run in a
 * scratch directory that looks like this checkout from its root (src/, migrations/ and the
 * package's bin linked in), so the files they write (my-queries/, cases/, report/, …) never land in
 * the checkout. DATABASE_URL is the machine's server: only that project runs this file.
 */
interface Example {
  readonly line: number;
  readonly command: string;
  readonly exit: number;
}

async function readmeExamples(): Promise<Example[]> {
  const text = await readFile(path.join(packageRoot, 'README.md'), 'utf8');
  const examples: Example[] = [];
  let fence: string | undefined;
  text.split('\n').forEach((raw, index) => {
    const opening = /^```(\w*)\s*$/.exec(raw);
    if (opening) {
      fence = fence === undefined ? opening[1] : undefined;
      return;
    }
    const example = fence === 'sh' ? /^(.*\S)\s+# → exit (\d+)\s*$/.exec(raw) : null;
    if (example) examples.push({ line: index + 1, command: example[1]!, exit: Number(example[2]) });
  });
  return examples;
}

function bash(command: string, cwd: string, databaseUrl: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', command], { cwd, env: { ...process.env, DATABASE_URL: databaseUrl }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

const { target, kind } = projectServer();

describe.runIf(kind === 'url')('the README', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'chatcheck-readme-'));
    for (const entry of ['src', 'migrations']) await symlink(path.join(packageRoot, entry), path.join(dir, entry));
    await mkdir(path.join(dir, 'node_modules', '.bin'), { recursive: true });
    await symlink(path.join(packageRoot, 'bin', 'chatcheck.js'), path.join(dir, 'node_modules', '.bin', 'chatcheck'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('shows each of its three uses with commands that run as written', async () => {
    const examples = await readmeExamples();
    // The three uses: CI, a query change, a regression from a case file (sequential and race).
    expect(examples.map((example) => example.command)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^npx chatcheck check /), expect.stringMatching(/^npx chatcheck sequential /), expect.stringMatching(/^npx chatcheck replay /), expect.stringMatching(/^npx chatcheck race /)]),
    );
    for (const example of examples) {
      const { code, output } = await bash(example.command, dir, target.connectionString);
      expect(code, `README.md:${example.line}: ${example.command}\n${output}`).toBe(example.exit);
    }
    // What the examples say they leave: a saved case of each kind, the race pages, both exports.
    expect((await readdir(path.join(dir, 'cases'))).sort()).toEqual([expect.stringMatching(/^race-invariant-/), expect.stringMatching(/^sequential-divergence-/)]);
    expect(await readdir(path.join(dir, 'report'))).toContain('index.html');
    expect(await readdir(dir)).toEqual(expect.arrayContaining(['case.sql', 'race.spec', 'race.sh', 'chatcheck.json', 'chatcheck.xml']));
  }, 900_000);
});
