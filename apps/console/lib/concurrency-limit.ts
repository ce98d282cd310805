// At most `limit` tasks at once, the rest wait in order. Pages that ask kas one question per row (the clusters
// overview's per-cluster summary) share one limiter, so a fleet of hundreds of agents never becomes hundreds of
// requests in flight. A task whose signal aborts while it waits leaves the line without running.

export interface ConcurrencyLimit {
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Tasks running now. */
  readonly running: number;
  /** Tasks waiting for a turn. */
  readonly waiting: number;
}

export function concurrencyLimit(limit: number): ConcurrencyLimit {
  if (!Number.isInteger(limit) || limit < 1)
    throw new Error(`concurrency limit must be a whole number ≥ 1, got ${limit}`);
  let running = 0;
  const queue: (() => void)[] = [];
  const next = () => {
    if (running < limit) queue.shift()?.();
  };
  return {
    get running() {
      return running;
    },
    get waiting() {
      return queue.length;
    },
    run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const start = () => {
          signal?.removeEventListener('abort', leave);
          running++;
          task()
            .then(resolve, reject)
            .finally(() => {
              running--;
              next();
            });
        };
        const leave = () => {
          const at = queue.indexOf(start);
          if (at >= 0) queue.splice(at, 1);
          reject(signal!.reason);
        };
        signal?.addEventListener('abort', leave, { once: true });
        queue.push(start);
        next();
      });
    },
  };
}
