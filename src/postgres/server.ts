import type { Lifecycle } from '../lifecycle.js';
import { findDockerRuntime, startDockerServer, DOCKER_IMAGE } from './docker.js';
import { startEmbeddedServer } from './embedded.js';
import { ServerTarget } from './target.js';

export type ServerSource = 'url' | 'docker' | 'embedded';

export interface ProvisionedServer {
  readonly source: ServerSource;
  readonly target: ServerTarget;
  /** The one line that says which server this run uses and why. */
  readonly description: string;
}

/**
 * Picks the PostgreSQL to test against, in this order:
 *   1. --database-url, else DATABASE_URL: the user's server (chatcheck only creates and drops its
 *      own databases there);
 *   2. a reachable Docker runtime: a postgres:17 container, via testcontainers;
 *   3. otherwise an embedded PostgreSQL 17 in a temporary directory.
 * Whatever it starts is stopped by the lifecycle.
 */
export async function provisionServer(lifecycle: Lifecycle, databaseUrl: string | undefined): Promise<ProvisionedServer> {
  const given = databaseUrl ?? nonEmpty(process.env.DATABASE_URL);
  if (given !== undefined) {
    const origin = databaseUrl !== undefined ? '--database-url' : 'DATABASE_URL';
    const target = ServerTarget.parse(given, origin);
    return { source: 'url', target, description: `postgres: using ${target.display} (from ${origin})` };
  }
  const docker = await findDockerRuntime();
  if (docker.found) {
    const target = await startDockerServer(lifecycle);
    return { source: 'docker', target, description: `postgres: started ${DOCKER_IMAGE} in Docker at ${target.hostAndPort} (no DATABASE_URL given)` };
  }
  const target = await startEmbeddedServer(lifecycle);
  return {
    source: 'embedded',
    target,
    description: `postgres: no DATABASE_URL and no Docker runtime (${docker.reason}); started embedded PostgreSQL 17 at ${target.hostAndPort}`,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
