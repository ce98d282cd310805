// Shared set-up for the services' integration tests: a movable clock and a small world of users
// with each role on one group/project.
import { randomBytes } from 'node:crypto';
import type { Database } from '@mooring/db';
import type { Actor } from '../actor';
import { FakeClock } from './fake-clock';
import { createServices, type CreateServicesOptions, type Services } from '../index';
import { actorFor } from '../users';
import type { Role } from '../validation';

export interface World {
  services: Services;
  clock: FakeClock;
  admin: Actor;
  /** One user per role on `group` (inherited by `project`), plus an outsider with no role. */
  actors: Record<Role | 'outsider', Actor>;
  passwords: Record<string, string>;
  groupId: number;
  projectId: number;
}

let counter = 0;
/** Unique names per world, so several worlds can share one database. */
export function uniq(prefix: string): string {
  counter++;
  return `${prefix}-${process.pid}-${counter}-${randomBytes(2).toString('hex')}`;
}

export async function buildWorld(
  db: Database,
  overrides: Partial<CreateServicesOptions> = {},
): Promise<World> {
  const clock = new FakeClock();
  const services = createServices({
    db,
    secret: randomBytes(32).toString('base64'),
    clock,
    cacheTtls: { positiveSeconds: 5, negativeSeconds: 2, lastUsedFlushSeconds: 0 },
    ...overrides,
  });
  const first = await services.users.ensureInitialAdmin({ password: 'initial-admin-pw' });
  const adminUser = await services.users.getByUsername('admin');
  if (!adminUser) throw new Error('no admin');
  const admin = actorFor(adminUser, { address: '127.0.0.1' });
  void first;
  const tag = uniq('w');
  const passwords: Record<string, string> = {};
  const actors = {} as Record<Role | 'outsider', Actor>;
  for (const role of ['guest', 'reporter', 'developer', 'maintainer', 'owner', 'outsider'] as const) {
    const password = `pw-${role}-${randomBytes(4).toString('hex')}`;
    const user = await services.users.create(admin, { username: `${role}-${tag}`, password });
    passwords[user.username] = password;
    actors[role] = actorFor(user, { address: '10.0.0.1' });
  }
  const group = await services.groups.create(admin, { name: `Group ${tag}`, path: tag });
  const project = await services.projects.create(admin, { groupId: group.id, name: 'App', path: 'app' });
  for (const role of ['guest', 'reporter', 'developer', 'maintainer', 'owner'] as const) {
    await services.memberships.set(
      admin,
      { type: 'group', id: group.id },
      { userId: actors[role].userId!, role },
    );
  }
  return { services, clock, admin, actors, passwords, groupId: group.id, projectId: project.id };
}

export { FakeClock };
