// Whether the browser can reach the console server and, through it, kas. Any request that fails without an
// answer from kas (the console's proxy answers 502, or fetch itself fails) reports here; the monitor then probes
// kas's public /version through the console with the shared Backoff until one answers, and tells its listeners
// (the banner, the live dots, the query client that refetches what failed, subscriptions waiting to reconnect).
import { Backoff, type BackoffOptions } from '@mooring/modules/shared/backoff';

export type ConnectionStatus = 'ok' | 'kas-unreachable' | 'console-unreachable';

export interface ConnectionState {
  status: ConnectionStatus;
  /** When the current outage began (ms since epoch); null while connected. */
  since: number | null;
  /** When the next probe runs (ms since epoch); null while connected or probing. */
  nextAttemptAt: number | null;
  /** What the last failed probe saw, for the banner. */
  detail: string | null;
}

export interface ConnectionMonitorOptions {
  /** One probe: the status it shows. Default: GET /api/v1/version through the console. */
  probe?: () => Promise<{ status: ConnectionStatus; detail: string | null }>;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  backoff?: BackoffOptions;
}

export const probePath = '/api/v1/version';

/** kas's version through the console: 502 means the console answered but kas did not; a thrown fetch, no console. */
export async function probeThroughConsole(): Promise<{ status: ConnectionStatus; detail: string | null }> {
  let response: Response;
  try {
    response = await fetch(probePath, { cache: 'no-store', credentials: 'same-origin' });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      status: 'console-unreachable',
      detail: `no answer from ${window.location.origin} (${reason}); check that the console server is running and reachable from this browser`,
    };
  }
  if (response.status < 500) return { status: 'ok', detail: null };
  // The console's proxy names kas (kas-proxy.ts); any other 5xx comes from whatever stands in front of the console.
  const body = (await response.json().catch(() => null)) as {
    error?: { message?: string; data?: { code?: string } };
  } | null;
  if (body?.error?.data?.code === 'BAD_GATEWAY')
    return { status: 'kas-unreachable', detail: body.error.message ?? null };
  return { status: 'console-unreachable', detail: `the console server answered ${response.status}` };
}

export class ConnectionMonitor {
  private state: ConnectionState = { status: 'ok', since: null, nextAttemptAt: null, detail: null };
  private readonly listeners = new Set<() => void>();
  private readonly recoveredListeners = new Set<() => void>();
  private waiters: ((hadOutage: boolean) => void)[] = [];
  private readonly backoff: Backoff;
  private timer: unknown = null;
  private inFlight: Promise<ConnectionStatus> | null = null;
  private consoleAnsweredAt = -Infinity;
  private readonly o: Required<Omit<ConnectionMonitorOptions, 'backoff'>>;

  constructor(options: ConnectionMonitorOptions = {}) {
    this.o = {
      probe: options.probe ?? probeThroughConsole,
      now: options.now ?? Date.now,
      setTimer: options.setTimer ?? ((fn, ms) => setTimeout(fn, ms)),
      clearTimer: options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>)),
    };
    this.backoff = new Backoff({ now: this.o.now, ...options.backoff });
  }

  get current(): ConnectionState {
    return this.state;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** A request got no answer from kas: find out who is missing and keep probing until both answer. */
  lost(): void {
    if (!this.inFlight && this.state.nextAttemptAt === null) void this.runProbe();
  }

  /**
   * lost(), resolving once the console and kas answer again: true when there was an outage in between, false when
   * the first probe found nothing wrong.
   */
  whenAnswered(): Promise<boolean> {
    const answered = new Promise<boolean>((resolve) => this.waiters.push(resolve));
    this.lost();
    return answered;
  }

  /** kas answered a request: connected again (probing stops). */
  reached(): void {
    this.consoleAnswered();
    if (this.state.status === 'ok') return;
    this.recover();
  }

  /** The console server answered (maybe only to say kas did not). */
  consoleAnswered(): void {
    this.consoleAnsweredAt = this.o.now();
  }

  /** Whether anything came from the console server in the last `ms`. */
  heardFromConsoleWithin(ms: number): boolean {
    return this.o.now() - this.consoleAnsweredAt <= ms;
  }

  /** Probes now (or joins the probe under way): whether the console server answers. */
  async checkConsole(): Promise<boolean> {
    if (this.timer !== null) this.o.clearTimer(this.timer);
    this.timer = null;
    return (await (this.inFlight ?? this.runProbe())) !== 'console-unreachable';
  }

  /** The banner's "Retry now": probe at once instead of waiting for the backoff. */
  retryNow(): void {
    void this.checkConsole();
  }

  private runProbe(): Promise<ConnectionStatus> {
    this.set({ ...this.state, nextAttemptAt: null });
    // probeOnce clears inFlight itself once the probe answered, before it tells anyone.
    const probe = this.probeOnce();
    this.inFlight = probe;
    return probe;
  }

  private async probeOnce(): Promise<ConnectionStatus> {
    let result: { status: ConnectionStatus; detail: string | null };
    try {
      result = await this.o.probe();
    } catch (error) {
      result = {
        status: 'console-unreachable',
        detail: error instanceof Error ? error.message : String(error),
      };
    }
    this.inFlight = null;
    if (result.status !== 'console-unreachable') this.consoleAnswered();
    if (result.status === 'ok') {
      this.recover();
      return result.status;
    }
    const delay = this.backoff.nextDelayMs();
    this.timer = this.o.setTimer(() => {
      this.timer = null;
      void this.runProbe();
    }, delay);
    this.set({
      status: result.status,
      since: this.state.since ?? this.o.now(),
      nextAttemptAt: this.o.now() + delay,
      detail: result.detail,
    });
    return result.status;
  }

  private recover(): void {
    if (this.timer !== null) this.o.clearTimer(this.timer);
    this.timer = null;
    this.backoff.reset();
    const wasDown = this.state.status !== 'ok';
    this.set({ status: 'ok', since: null, nextAttemptAt: null, detail: null });
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve(wasDown);
    if (wasDown) for (const l of [...this.recoveredListeners]) l();
  }

  /** Runs after an outage ends (refetch what failed). */
  onRecovered(listener: () => void): () => void {
    this.recoveredListeners.add(listener);
    return () => this.recoveredListeners.delete(listener);
  }

  private set(state: ConnectionState): void {
    this.state = state;
    for (const l of [...this.listeners]) l();
  }
}

/** The page's one monitor (the browser has one connection to the console). */
export const connection = new ConnectionMonitor();
