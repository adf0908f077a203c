import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import path from 'node:path';

/**
 * PostgreSQL's isolation tester: CHATCHECK_ISOLATIONTESTER, else the one PostgreSQL's client
 * packages install beside pgxs (Debian and Ubuntu: postgresql-client-NN,
 * /usr/lib/postgresql/NN/lib/pgxs/src/test/isolation/isolationtester), the newest first.
 */
export function isolationTester(): string {
  const given = process.env.CHATCHECK_ISOLATIONTESTER;
  if (given !== undefined && given !== '') return given;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const candidate = path.join(root, version, 'lib/pgxs/src/test/isolation/isolationtester');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('no isolationtester found: install postgresql-client-NN (Debian/Ubuntu, it ships /usr/lib/postgresql/NN/lib/pgxs/src/test/isolation/isolationtester) or set CHATCHECK_ISOLATIONTESTER');
}

/** Runs `spec` through the isolation tester against `conninfo`; its output (stdout, then stderr) and exit code. */
export function runIsolationTester(spec: string, conninfo: string, timeoutMs = 60_000): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(isolationTester(), [conninfo], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : -1;
      if (error !== null && code === -1) reject(error);
      else resolve({ code, output: `${stdout}${stderr}` });
    });
    createReadStream(spec).pipe(child.stdin!);
  });
}
