import { describe, expect, it } from 'vitest';
import { ServiceEvents } from './events';

describe('the event layer across replicas', () => {
  it('relays what a service emits, not what listeners derive from it; a remote event reaches local listeners only', () => {
    const events = new ServiceEvents();
    const relayed: string[] = [];
    events.agentDeleted.relayTo((e) => relayed.push(`agentDeleted ${e.agentId}`));
    events.accessChanged.relayTo((e) => relayed.push(`accessChanged ${e.reason}`));
    const seen: string[] = [];
    events.agentDeleted.subscribe((e) => seen.push(`agentDeleted ${e.agentId}`));
    events.accessChanged.subscribe((e) => seen.push(`accessChanged ${e.reason}`));

    events.agentDeleted.emit({ agentId: 3, projectId: 1 }, () => undefined);
    // The other replica derives accessChanged from agentDeleted itself: only agentDeleted goes out.
    expect(relayed).toEqual(['agentDeleted 3']);
    expect(seen).toEqual(['accessChanged agent deleted', 'agentDeleted 3']);

    relayed.length = 0;
    seen.length = 0;
    events.agentDeleted.deliverRemote({ agentId: 4, projectId: 1 }, () => undefined);
    expect(seen).toEqual(['accessChanged agent deleted', 'agentDeleted 4']);
    expect(relayed).toEqual([]);

    // A top-level emit after a delivery relays again; without a relay nothing is sent.
    events.accessChangedFor([1], 'membership removed');
    expect(relayed).toEqual(['accessChanged membership removed']);
    events.accessChanged.relayTo(undefined);
    events.accessChangedFor([1], 'again');
    expect(relayed).toHaveLength(1);
  });

  it('a throwing relay or listener is isolated', () => {
    const errors: unknown[] = [];
    const events = new ServiceEvents();
    events.configChanged.relayTo(() => {
      throw new Error('relay broke');
    });
    const seen: number[] = [];
    events.configChanged.subscribe(() => {
      throw new Error('listener broke');
    });
    events.configChanged.subscribe((e) => seen.push(e.version));
    events.configChanged.emit({ agentId: 1, version: 2 }, (err) => errors.push(err));
    expect(seen).toEqual([2]);
    expect(errors.map((e) => (e as Error).message)).toEqual(['relay broke', 'listener broke']);
  });
});
