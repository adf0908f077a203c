/**
 * chatcheck installed as a package, as a user adds it to their own repository: `npm pack` of this
 * checkout, the tarball installed into a fresh scratch project, then `npx chatcheck` run there —
 * with the bundled queries and migrations, and on planted bugs whose printed replay lines are run
 * exactly as printed, from where they were printed. Slow (npm installs the dependencies, from its
 * cache when it can), so only in the pg-machine project.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { projectServer } from '../support/database.js';

const server = projectServer();

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment of a command run in the scratch project: this one without what npm sets for the
 * script that runs these tests (npm_package_*, npm_config_local_prefix, …, which would point npm
 * back at this checkout), keeping where npm's cache and configuration are; DATABASE_URL the
 * project's server.
 */
function scratchEnv(): NodeJS.ProcessEnv {
  const kept = new Set(['npm_config_cache', 'npm_config_userconfig', 'npm_config_globalconfig', 'npm_config_registry']);
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) || kept.has(name)));
  delete env.INIT_CWD;
  return { ...env, DATABASE_URL: server.target.connectionString };
}

/** Runs `command args` in `cwd`; resolves with its exit code and output, whatever the code. */
function run(command: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: scratchEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Like run, but a failure is an error that shows the output. */
async function mustRun(command: string, args: readonly string[], cwd: string): Promise<Run> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} in ${cwd} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return result;
}

/** A printed line run as a person pastes it into a shell in `cwd`. */
const runAsPrinted = (line: string, cwd: string) => run('sh', ['-c', line], cwd);

const replayLine = (stdout: string): string => {
  const line = /^replay: (npx chatcheck .*)$/m.exec(stdout)?.[1];
  expect(line, `no replay line in:\n${stdout}`).toBeDefined();
  return line!;
};

/** The .ts files below `dir`, relative to the checkout. */
async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(packageRoot, dir), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => path.relative(packageRoot, path.join(entry.parentPath, entry.name)));
}

describe.runIf(server.kind === 'url')('installed as a package (npm pack, npm install <tarball>, npx chatcheck)', () => {
  let scratch: string;
  let project: string;
  let packed: { filename: string; size: number; entryCount: number; files: { path: string }[] };

  beforeAll(async () => {
    const started = performance.now();
    scratch = await mkdtemp(path.join(tmpdir(), 'chatcheck-package-test-'));
    // Not named chatcheck: npm refuses to install a package into a project of the same name.
    project = path.join(scratch, 'project');
    await mkdir(project);
    // --ignore-scripts: pack the dist/ that `npm test` built before the tests (pretest) rather
    // than rebuild it while the other test files run the CLI from it.
    const pack = await mustRun('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], packageRoot);
    packed = (JSON.parse(pack.stdout) as [typeof packed])[0];
    await mustRun('npm', ['init', '-y'], project);
    await mustRun('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(scratch, packed.filename)], project);
    console.log(`package test: ${packed.filename}, ${packed.size} bytes, ${packed.entryCount} files; packed and installed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }, 240_000);
  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('the tarball holds what the CLI needs and nothing else: no tests, no source maps, no scratch scripts', async () => {
    const files = packed.files.map((file) => file.path);
    // Only these kinds of file.
    const allowed = [/^package\.json$/, /^README\.md$/, /^bin\/chatcheck\.js$/, /^dist\/(src|model)\/.+\.js$/, /^migrations\/[^/]+\.sql$/, /^src\/queries\/[^/]+\.sql$/];
    expect(files.filter((file) => !allowed.some((pattern) => pattern.test(file)))).toEqual([]);
    // Every module compiled from src/ and model/ (bench is a developer's tool, not the CLI's).
    const compiled = [...(await sources('src')), ...(await sources('model'))].filter((file) => file !== 'src/bench.ts').map((file) => `dist/${file.replace(/\.ts$/, '.js')}`);
    expect(compiled.filter((file) => !files.includes(file))).toEqual([]);
    expect(files).not.toContain('dist/src/bench.js');
    // The bundled schema and SQL, chatcheck's own queries included.
    const migrations = (await readdir(path.join(packageRoot, 'migrations'))).filter((name) => name.endsWith('.up.sql')).map((name) => `migrations/${name}`);
    expect(migrations.length).toBeGreaterThan(0);
    expect(files).toEqual(expect.arrayContaining([...migrations, 'src/queries/chat.sql', 'src/queries/tasks.sql', 'src/queries/fixture.sql', 'src/queries/state.sql', 'bin/chatcheck.js', 'dist/src/cli.js']));
  });

  it('npx chatcheck runs there with the bundled queries and migrations: exit 0', async () => {
    const result = await run('npx', ['chatcheck', '--runs', '3', '--budget', '2', '--seed', '1'], project);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    // The installed package's own files, named relative to the project.
    expect(result.stdout).toMatch(/^queries: \d+ from node_modules\/chatcheck\/src\/queries\/chat\.sql, node_modules\/chatcheck\/src\/queries\/tasks\.sql$/m);
    expect(result.stdout).toMatch(/^schema: applying \d+ migration\(s\) from node_modules\/chatcheck\/migrations to template chatcheck_[0-9a-f]{8}_template$/m);
    expect(result.stdout).toMatch(/^ok: no findings/m);
  });

  it('race: a planted bug is a finding (exit 1); its replay line, run as printed there, reproduces it', async () => {
    const found = await run('npx', ['chatcheck', 'race', '--pair', 'send,delete', '--variant', 'delete:v1', '--seed', '3'], project);
    expect(found.code, found.stderr + found.stdout).toBe(1);
    const line = replayLine(found.stdout);
    expect(line).toMatch(/^npx chatcheck race --pair send,delete --variant delete:v1 --schedule [AB]+$/);
    const replayed = await runAsPrinted(line, project);
    expect(replayed.code, replayed.stderr + replayed.stdout).toBe(1);
    expect(replayLine(replayed.stdout)).toBe(line); // the same schedule
    const timeline = (stdout: string) => stdout.split('\n').filter((text) => text.includes(' | ') || text.startsWith('  A '));
    expect(timeline(replayed.stdout)).toEqual(timeline(found.stdout));
  });

  it('sequential: a --queries file in the project with a planted bug is a finding (exit 1); its replay line, run as printed there, reproduces it', async () => {
    const chat = await readFile(path.join(project, 'node_modules', 'chatcheck', 'src', 'queries', 'chat.sql'), 'utf8');
    const list = /-- name: ListChatMessages :many\n[^;]*ORDER BY created_at ASC;/.exec(chat)?.[0];
    expect(list).toBeDefined();
    await writeFile(path.join(project, 'chat.sql'), chat.replace(list!, list!.replace('ORDER BY created_at ASC;', 'ORDER BY created_at DESC;')));
    const found = await run('npx', ['chatcheck', 'sequential', '--seed', '7', '--queries', './chat.sql', '--queries', 'node_modules/chatcheck/src/queries/tasks.sql'], project);
    expect(found.code, found.stderr + found.stdout).toBe(1);
    expect(found.stdout).toContain('(ListChatMessages)');
    const line = replayLine(found.stdout);
    // Files below the working directory are named relative to it: the line also runs in another checkout.
    // (The seed is the one the shortest case was found with: 7, or one of the extra searches after it.)
    expect(line).toMatch(/^npx chatcheck sequential --seed \d+ --path \S+( --no-turns)? --queries chat\.sql --queries node_modules\/chatcheck\/src\/queries\/tasks\.sql$/);
    const replayed = await runAsPrinted(line, project);
    expect(replayed.code, replayed.stderr + replayed.stdout).toBe(1);
    const commands = (stdout: string) => stdout.split('\n').filter((text) => /^ +\d+\. |^ +diverged at /.test(text));
    expect(commands(found.stdout).length).toBeGreaterThan(0);
    expect(commands(replayed.stdout)).toEqual(commands(found.stdout));
    expect(replayLine(replayed.stdout)).toBe(line);
  });
});
