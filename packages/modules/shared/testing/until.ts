// The one poll-until for tests, bench/ and e2e/: for state nothing announces (a pod registering, a line in a
// child's output, a counter reaching a value). Where an event exists, wait on the event instead.

/** What `until` returns: the probe's value once it is truthy. */
type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/** Between probes: short, so a test goes on soon after the state arrives; every probe here is cheap. */
const intervalMs = 25;

/**
 * Calls `probe` until it returns a truthy value and returns that value. A probe that throws counts as "not yet"
 * (a server still starting refuses connections). After `timeoutMs` (generous: CI shares two cores) it fails
 * naming `what` it waited for and the probe's last value or error. `what` may be a function, read at that moment,
 * so the message can carry output gathered meanwhile.
 */
export async function until<T>(
  what: string | (() => string),
  probe: () => T | Promise<T>,
  timeoutMs = 30_000,
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as Truthy<T>;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      const waitedFor = typeof what === 'function' ? what() : what;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${waitedFor} (last: ${describe(last)})`, {
        cause: last,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function describe(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}
