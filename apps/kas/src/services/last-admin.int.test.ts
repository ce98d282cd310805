// kas never ends up without an enabled administrator: nobody disables or demotes themselves, and the last
// enabled administrator stays one, even when two administrators demote each other at the same moment.
import { describeWithDatabases } from '@mooring/db/testing/backends';
import { beforeAll, expect, it } from 'vitest';
import { systemActor, type Actor } from './actor';
import { ForbiddenError } from './errors';
import { createServices } from './index';
import { actorFor, type UserInfo } from './users';

// The tests run in order on one database of their own: the first administrator starts as the only one.
describeWithDatabases('the last administrator', ({ database }) => {
  let services: ReturnType<typeof createServices>;
  let admin: UserInfo;
  let adminActor: Actor;
  beforeAll(async () => {
    services = createServices({ db: database().db, secret: Buffer.alloc(32, 9) });
    await services.users.ensureInitialAdmin({ password: 'initial-admin-pw' });
    admin = (await services.users.getByUsername('admin'))!;
    adminActor = actorFor(admin);
  });

  it('refuses to disable or demote yourself, naming who can', async () => {
    await expect(services.users.update(adminActor, admin.id, { disabled: true })).rejects.toThrow(
      new ForbiddenError('you cannot disable yourself; ask another administrator to do it'),
    );
    await expect(services.users.update(adminActor, admin.id, { isAdmin: false })).rejects.toThrow(
      /make another user an administrator and ask them to do it/,
    );
    // Renaming yourself is fine.
    await expect(services.users.update(adminActor, admin.id, { name: 'Root' })).resolves.toMatchObject({
      name: 'Root',
      isAdmin: true,
      disabled: false,
    });
  });

  it('refuses to disable or demote the last enabled administrator, and allows it once there is another', async () => {
    const kas = systemActor('cli');
    await expect(services.users.update(kas, admin.id, { isAdmin: false })).rejects.toThrow(
      new ForbiddenError('admin is the last enabled administrator; make another user an administrator first'),
    );
    await expect(services.users.update(kas, admin.id, { disabled: true })).rejects.toThrow(
      /last enabled administrator/,
    );
    // A disabled administrator does not count.
    const spare = await services.users.create(adminActor, {
      username: 'spare',
      password: 'spare-password-1',
      isAdmin: true,
    });
    await services.users.update(adminActor, spare.id, { disabled: true });
    await expect(services.users.update(kas, admin.id, { isAdmin: false })).rejects.toThrow(
      /last enabled administrator/,
    );
    await services.users.update(adminActor, spare.id, { disabled: false });
    await expect(services.users.update(kas, admin.id, { isAdmin: false })).resolves.toMatchObject({
      isAdmin: false,
    });
    // Demoting a user who is no administrator is no loss.
    await expect(services.users.update(kas, admin.id, { disabled: true })).resolves.toMatchObject({
      disabled: true,
    });
  });

  it('of two administrators demoting each other at once, exactly one succeeds', async () => {
    const spare = (await services.users.getByUsername('spare'))!;
    const other = await services.users.create(actorFor(spare), {
      username: 'other',
      password: 'other-password-1',
      isAdmin: true,
    });
    const results = await Promise.allSettled([
      services.users.update(actorFor(spare), other.id, { isAdmin: false }),
      services.users.update(actorFor(other), spare.id, { isAdmin: false }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected');
    expect(String(refused?.reason)).toMatch(/is the last enabled administrator/);
    const admins = (await services.users.list(systemActor())).filter((u) => u.isAdmin && !u.disabled);
    expect(admins).toHaveLength(1);
  });
});
