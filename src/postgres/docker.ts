import type { Lifecycle } from '../lifecycle.js';
import { ServerTarget } from './target.js';

export const DOCKER_IMAGE = 'postgres:17';

/**
 * Looks for a Docker (or compatible) runtime the way testcontainers does: DOCKER_HOST, the
 * testcontainers properties file, the default socket, rootless sockets. Returns why not when there
 * is none, so the caller can say so in its one line and move on to the embedded server.
 */
export async function findDockerRuntime(): Promise<{ found: true } | { found: false; reason: string }> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  try {
    await getContainerRuntimeClient();
    return { found: true };
  } catch (error) {
    return { found: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** Starts postgres:17 in a container; the lifecycle stops and removes it (Ryuk also does if we die). */
export async function startDockerServer(lifecycle: Lifecycle): Promise<ServerTarget> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer(DOCKER_IMAGE).start();
  lifecycle.hold(`container ${DOCKER_IMAGE}`, async () => {
    await container.stop();
  });
  return ServerTarget.parse(container.getConnectionUri(), 'the container URL');
}
