import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { expect } from 'vitest';
import { packageRoot } from '../../src/paths.js';

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Replaces DATABASE_URL (undefined removes it). */
  readonly databaseUrl?: string | undefined;
  readonly env?: Readonly<Record<string, string>>;
  /** Runs `npx chatcheck` as a person would, instead of the built bin directly. */
  readonly viaNpx?: boolean;
  /** Called with the child as soon as it runs, e.g. to interrupt it. */
  readonly onSpawn?: (child: ChildProcess, output: { stdout: () => string }) => void;
}

/**
 * Runs the real CLI (the build that `npm test` makes first) in a child process. DATABASE_URL is
 * set only as the test says: never inherited, so a test means exactly the server it names.
 */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  delete env.DATABASE_URL;
  if (options.databaseUrl !== undefined) env.DATABASE_URL = options.databaseUrl;
  const [command, commandArgs] = options.viaNpx
    ? ['npx', ['--offline', 'chatcheck', ...args]]
    : [process.execPath, [path.join(packageRoot, 'bin', 'chatcheck.js'), ...args]];
  return new Promise((resolve, reject) => {
    // Its own process group, so a test can interrupt it the way Ctrl-C in a terminal does.
    const child = spawn(command, commandArgs, { cwd: packageRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    options.onSpawn?.(child, { stdout: () => stdout });
  });
}

/** Resolves when `predicate` holds, checking every 50 ms; rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Exit 2 with exactly one line on stderr that names the cause, and no stack trace anywhere. */
export function expectSetupError(result: CliResult, cause: RegExp): void {
  expect(result.code, result.stderr + result.stdout).toBe(2);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^chatcheck: .+ — .+/);
  expect(lines[0]).toMatch(cause);
  expect(result.stderr + result.stdout).not.toMatch(/\n\s+at /);
}
