// Batches "token was used at" writes: the hot path only notes the id in memory, and one UPDATE per
// flush (default every 30 s) stores the newest time for every token used since. Losing up to one
// interval of last-used times on a crash is acceptable; a DB write per agent call is not.
import type { Clock } from './clock';

export class LastUsedRecorder {
  private pending = new Map<number, Date>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly clock: Clock,
    private readonly write: (ids: number[], at: Date) => Promise<void>,
    intervalMs: number,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    if (intervalMs > 0) {
      this.timer = setInterval(() => void this.flush(), intervalMs);
      this.timer.unref();
    }
  }

  touch(id: number): void {
    this.pending.set(id, this.clock.now());
  }

  forget(id: number): void {
    this.pending.delete(id);
  }

  /** Writes everything noted so far. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = this.pending;
      this.pending = new Map();
      // One timestamp per batch: the newest use, which is what the console shows.
      const at = new Date(Math.max(...[...batch.values()].map((d) => d.getTime())));
      try {
        await this.write([...batch.keys()], at);
      } catch (err) {
        this.onError(err);
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
