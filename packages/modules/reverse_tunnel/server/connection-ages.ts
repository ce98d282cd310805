// When each client connection (by peer address) was first seen, so idle tunnels end at 30 % of the connection's
// age rather than their own: after the GOAWAY (20 %) no new call lands on an old connection past 30 %, which leaves
// calls the rest of the grace period to finish.
export class ConnectionAges {
  private readonly births = new Map<string, { at: number; streams: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts a stream on the connection; returns when the connection was first seen and a release function. */
  track(peer: string): { bornAt: number; release(): void } {
    let entry = this.births.get(peer);
    if (!entry) this.births.set(peer, (entry = { at: this.now(), streams: 0 }));
    entry.streams++;
    const tracked = entry;
    let released = false;
    return {
      bornAt: tracked.at,
      release: () => {
        if (released) return;
        released = true;
        tracked.streams--;
        // Forgetting an idle connection only makes its next tunnels end later, never earlier.
        if (tracked.streams === 0 && this.births.get(peer) === tracked) this.births.delete(peer);
      },
    };
  }

  get size(): number {
    return this.births.size;
  }
}
