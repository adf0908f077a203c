import { inject } from 'vitest';
import { Lifecycle } from '../../src/lifecycle.js';
import { OwnedDatabases } from '../../src/postgres/databases.js';
import type { Testbed } from '../../src/postgres/testbed.js';
import { projectServer } from './database.js';

let copies = 0;

/**
 * Runs `fn` with a Testbed on the project's server and its migrated template (global-setup.ts), as
 * a command gets one: each copy() is a fresh database, every copy dropped afterwards.
 */
export async function withTestbed<T>(fn: (testbed: Testbed) => Promise<T>): Promise<T> {
  const lifecycle = new Lifecycle();
  try {
    const { target, kind } = projectServer();
    const databases = await OwnedDatabases.open(target, lifecycle, inject('run'));
    const template = inject('template');
    const testbed: Testbed = {
      server: { source: kind === 'embedded' ? 'embedded' : 'url', target, description: 'the test project server' },
      databases,
      template,
      // Roles made unique: several copies of one role in one test process must not share a name.
      copy: (role) => databases.create(`${role}_b${process.pid}_${++copies}`, template),
    };
    return await fn(testbed);
  } finally {
    await lifecycle.close();
  }
}
