// The logs of one page: a stream per source (pod/container) through the Kubernetes proxy, split into lines, kept in
// one bounded ring. Lines that arrive together are added in one animation frame, and listeners hear of them once
// (a busy stream repaints per frame, not per chunk). A followed stream that ends while its pod still runs is
// followed again from the last line's time (sinceTime), skipping lines already shown.
import { describeLogError, type LogError } from './log-errors';
import { parseLogLine, timeKey, type LogLine } from './log-line';
import { LineSplitter } from './line-splitter';
import { DEFAULT_RING_CAPACITY, LogRing } from './log-ring';
import { sourceKey, type LogSource } from './sources';

export interface LogQuery {
  follow: boolean;
  previous: boolean;
  /** null: the whole log. */
  tailLines: number | null;
  /** Resuming: only lines at or after this time (the kubelet's sinceTime). */
  sinceTime?: string;
}

/** What a pod says after its followed log ended. */
export type PodCheck =
  { state: 'running' } | { state: 'waiting'; message: string } | { state: 'stopped'; message: string } |
  { state: 'gone' }; // prettier-ignore

export interface SourceStatus {
  source: LogSource;
  state: 'connecting' | 'streaming' | 'waiting' | 'ended' | 'error';
  /** What the page says about this source (an error's words, why it waits, why it ended). */
  title?: string;
  message?: string;
  /** Lines read from this source since the page opened it. */
  lines: number;
}

export interface LogSessionDeps {
  fetchLog(source: LogSource, query: LogQuery, signal: AbortSignal): Promise<Response>;
  /** The cluster's words for a refused request (k8sErrorMessage). */
  errorMessage(response: Response): Promise<string>;
  checkPod(source: LogSource): Promise<PodCheck>;
  capacity?: number;
  /** Runs `flush` once before the next paint (requestAnimationFrame); returns a cancel. */
  schedule?: (flush: () => void) => () => void;
  /** Waits before a reconnect; resolves early (or rejects) when the signal aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface LogSessionState {
  /** Bumped whenever lines or statuses changed. */
  version: number;
  length: number;
  dropped: number;
  statuses: readonly SourceStatus[];
}

const RECONNECT_MIN_MS = 1_000;
const RECONNECT_MAX_MS = 30_000;

const defaultSchedule = (flush: () => void) => {
  const frame = requestAnimationFrame(flush);
  return () => cancelAnimationFrame(frame);
};

const defaultSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

interface Stream {
  index: number;
  controller: AbortController;
  status: SourceStatus;
}

export class LogSession {
  readonly ring: LogRing<LogLine>;
  /** Every source this session ever read, in order; a line's `source` indexes it. */
  readonly sources: LogSource[] = [];
  private readonly indexByKey = new Map<string, number>();
  private readonly streams = new Map<string, Stream>();
  private pending: LogLine[] = [];
  private cancelFlush: (() => void) | null = null;
  private listeners = new Set<() => void>();
  private state: LogSessionState = { version: 0, length: 0, dropped: 0, statuses: [] };
  private query: Omit<LogQuery, 'sinceTime'> = { follow: true, previous: false, tailLines: 500 };

  constructor(private readonly deps: LogSessionDeps) {
    this.ring = new LogRing<LogLine>(deps.capacity ?? DEFAULT_RING_CAPACITY);
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly current = (): LogSessionState => this.state;

  /**
   * Reads these sources with this query. Sources no longer listed stop (their lines stay); new ones start. A
   * changed query (tail size, previous) starts every stream over on an empty page.
   */
  set(sources: readonly LogSource[], query: Omit<LogQuery, 'sinceTime'>): void {
    const changed =
      query.follow !== this.query.follow ||
      query.previous !== this.query.previous ||
      query.tailLines !== this.query.tailLines;
    this.query = { ...query };
    if (changed) {
      for (const stream of this.streams.values()) stream.controller.abort();
      this.streams.clear();
      this.pending = [];
      this.ring.clear();
    }
    const wanted = new Set(sources.map(sourceKey));
    for (const [key, stream] of this.streams)
      if (!wanted.has(key)) {
        stream.controller.abort();
        this.streams.delete(key);
      }
    for (const source of sources) {
      const key = sourceKey(source);
      if (this.streams.has(key)) continue;
      let index = this.indexByKey.get(key);
      if (index === undefined) {
        index = this.sources.push(source) - 1;
        this.indexByKey.set(key, index);
      }
      const stream: Stream = {
        index,
        controller: new AbortController(),
        status: { source, state: 'connecting', lines: 0 },
      };
      this.streams.set(key, stream);
      void this.run(stream, this.query);
    }
    this.publish();
  }

  /** Stops every stream (the page closed); a later `set` starts them again. */
  dispose(): void {
    for (const stream of this.streams.values()) stream.controller.abort();
    this.streams.clear();
    this.cancelFlush?.();
    this.cancelFlush = null;
  }

  private async run(stream: Stream, query: Omit<LogQuery, 'sinceTime'>): Promise<void> {
    const { signal } = stream.controller;
    const { source } = stream.status;
    const sleep = this.deps.sleep ?? defaultSleep;
    let since: string | undefined;
    // The newest line's time and how many lines carried it (lines written together share one).
    let lastKey: string | undefined;
    let atLastKey = 0;
    let delay = RECONNECT_MIN_MS;
    const wait = async (title: string, message: string) => {
      this.setStatus(stream, { state: 'waiting', title, message });
      await sleep(delay, signal);
      delay = Math.min(delay * 2, RECONNECT_MAX_MS);
    };
    while (!signal.aborted) {
      let response: Response;
      try {
        const resumed = since ? { ...query, tailLines: null, sinceTime: since } : query;
        response = await this.deps.fetchLog(source, resumed, signal);
      } catch (error) {
        if (signal.aborted) return;
        await wait('No answer', `no answer from the console server (${String(error)}); trying again`);
        continue;
      }
      if (!response.ok) {
        const described: LogError = describeLogError({
          status: response.status,
          message: await this.deps.errorMessage(response),
          namespace: source.namespace,
          pod: source.pod,
          container: source.container,
          previous: query.previous,
        });
        if (signal.aborted) return;
        if (described.final) {
          this.setStatus(stream, { state: 'error', title: described.title, message: described.message });
          return;
        }
        await wait(described.title, described.message);
        continue;
      }
      this.setStatus(stream, { state: 'streaming', title: undefined, message: undefined });
      const splitter = new LineSplitter();
      // Resumed with sinceTime: the answer repeats the lines of that instant (or, where sinceTime is ignored, the
      // whole log); skip what was shown — older lines, and as many of that instant's as were read.
      let catchingUp = since !== undefined;
      const skipKey = lastKey;
      let skipLeft = atLastKey;
      const take = (raws: string[]) => {
        for (const raw of raws) {
          const line = parseLogLine(raw, stream.index);
          if (line.time) {
            const key = timeKey(line.time);
            if (catchingUp && skipKey !== undefined) {
              if (key < skipKey) continue;
              if (key === skipKey && skipLeft > 0) {
                skipLeft--;
                continue;
              }
              catchingUp = false;
            }
            atLastKey = key === lastKey ? atLastKey + 1 : 1;
            lastKey = key;
            since = line.time;
          }
          this.pending.push(line);
          stream.status = { ...stream.status, lines: stream.status.lines + 1 };
          delay = RECONNECT_MIN_MS;
        }
        if (raws.length) this.scheduleFlush();
      };
      try {
        const reader = response.body?.getReader();
        for (;;) {
          if (!reader) break;
          const { value, done } = await reader.read();
          if (done || signal.aborted) break;
          take(splitter.push(value));
        }
        take(splitter.flush());
      } catch {
        if (signal.aborted) return;
        // A cut stream is an ended stream: followed again below when the pod still runs.
      }
      if (signal.aborted) return;
      if (!query.follow || query.previous) {
        this.setStatus(stream, { state: 'ended', title: 'End of log', message: undefined });
        return;
      }
      const pod = await this.deps.checkPod(source).catch(() => ({ state: 'running' }) as PodCheck);
      if (signal.aborted) return;
      if (pod.state === 'gone') {
        this.setStatus(stream, {
          state: 'error',
          title: 'Pod gone',
          message: `pod ${source.pod} no longer exists in ${source.namespace} (deleted or replaced); open its replacement from the pods list`,
        });
        return;
      }
      if (pod.state === 'stopped') {
        this.setStatus(stream, { state: 'ended', title: 'Container stopped', message: pod.message });
        return;
      }
      await wait(
        pod.state === 'waiting' ? 'Container not running' : 'Reconnecting',
        pod.state === 'waiting'
          ? pod.message
          : 'the log stream ended while the pod still runs; following it again',
      );
    }
  }

  private setStatus(stream: Stream, change: Partial<SourceStatus>): void {
    if (stream.controller.signal.aborted) return;
    stream.status = { ...stream.status, ...change };
    this.publish();
  }

  private scheduleFlush(): void {
    if (this.cancelFlush) return;
    const schedule = this.deps.schedule ?? defaultSchedule;
    this.cancelFlush = schedule(() => {
      this.cancelFlush = null;
      const lines = this.pending;
      this.pending = [];
      for (const line of lines) this.ring.push(line);
      this.publish();
    });
  }

  private publish(): void {
    this.state = {
      version: this.state.version + 1,
      length: this.ring.length,
      dropped: this.ring.dropped,
      statuses: [...this.streams.values()].map((s) => s.status),
    };
    for (const listener of this.listeners) listener();
  }
}
