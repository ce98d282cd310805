import { describeWithDatabases } from '@mooring/db/testing/backends';
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { createLeaseService } from './leases';
import { FakeClock } from './testing/fake-clock';

describeWithDatabases('leases', ({ database }) => {
  const name = () => `test:${randomBytes(4).toString('hex')}`;

  it('gives a lease to one holder, renews it for that holder and refuses the other until it expired', async () => {
    const clock = new FakeClock();
    const leases = createLeaseService({ db: database().db, clock });
    const lease = name();
    expect(await leases.acquire(lease, 'kas-a', 2_000)).toBe(true);
    expect(await leases.acquire(lease, 'kas-b', 2_000)).toBe(false);
    clock.advance(1_500);
    expect(await leases.acquire(lease, 'kas-a', 2_000)).toBe(true); // renewed until 3.5 s
    clock.advance(1_500);
    expect(await leases.acquire(lease, 'kas-b', 2_000)).toBe(false);
    expect(await leases.holder(lease)).toBe('kas-a');
    clock.advance(1_000); // kas-a stopped renewing: expired at 3.5 s
    expect(await leases.holder(lease)).toBeNull();
    expect(await leases.acquire(lease, 'kas-b', 2_000)).toBe(true);
    expect(await leases.acquire(lease, 'kas-a', 2_000)).toBe(false);
    expect(await leases.holder(lease)).toBe('kas-b');
  });

  it('lets another holder take a released lease at once; releasing a lease one does not hold changes nothing', async () => {
    const clock = new FakeClock();
    const leases = createLeaseService({ db: database().db, clock });
    const lease = name();
    expect(await leases.acquire(lease, 'kas-a', 60_000)).toBe(true);
    await leases.release(lease, 'kas-b');
    expect(await leases.holder(lease)).toBe('kas-a');
    await leases.release(lease, 'kas-a');
    expect(await leases.acquire(lease, 'kas-b', 60_000)).toBe(true);
  });

  it('hands a contested lease to exactly one of many concurrent takers', async () => {
    const clock = new FakeClock();
    const leases = createLeaseService({ db: database().db, clock });
    const lease = name();
    const won = await Promise.all(
      Array.from({ length: 8 }, (_, i) => leases.acquire(lease, `kas-${i}`, 10_000)),
    );
    expect(won.filter(Boolean)).toHaveLength(1);
  });
});
