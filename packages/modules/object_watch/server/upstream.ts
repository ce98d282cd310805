// One upstream ObjectWatch.Watch to one agent for one WatchKey, shared by every viewer of that key. It keeps what
// it forwarded (uid → row), reopens a broken call with backoff from the last version, and reconciles a snapshot
// that comes instead of a resume, so viewers see only the differences.
import { Backoff, type BackoffOptions } from '../../shared/backoff';
import { GrpcStatus } from '../../shared/grpc-status';
import { TunnelCallError, type AgentDialer, type OutgoingCall } from '../../reverse_tunnel/shared/tunnel-api';
import {
  DELTA_BATCH_MAX,
  OBJECT_WATCH_WATCH,
  decodeWatchMessage,
  encodeWatchMessage,
  watchMessageSchema,
  type ObjectRow,
  type WatchRequest,
} from '../shared/watch-api';
import { sleep, type HubClock } from './clock';
import { newEpoch } from './event-id';
import type { WatchKey } from './hub-api';
import { rowBytes, type HubEntry, type StatusMessage, type ViewerSource } from './hub-entry';
import { applyDelta, reconcileSnapshot, type HubDelta } from './reconcile';
import type { Viewer } from './viewer';

export interface HubLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export type UpstreamRestartReason = 'ended' | 'broken' | 'bad_message' | 'not_connected';
/** How a (re)opened call caught up: a first snapshot, a resume from the last version, or a snapshot reconciled. */
export type UpstreamSync = 'snapshot' | 'resumed' | 'reconciled';

export interface UpstreamOptions {
  key: WatchKey;
  dialer: AgentDialer;
  clock: HubClock;
  log: HubLog;
  /** Rows one upstream may hold; a snapshot beyond it is refused (agentk's own cap should come first). */
  maxObjects: number;
  /** The ring of recent entries a viewer can resume from. */
  ringEvents: number;
  ringBytes: number;
  backoff?: BackoffOptions;
  /** How long openCall waits for a tunnel (the dialer's default when unset). */
  openTimeoutMs?: number;
  restarted?(reason: UpstreamRestartReason): void;
  synced?(how: UpstreamSync): void;
}

/** A call ending with these says nothing about the watch itself (a pod or tunnel went away). */
const TRANSIENT_CODES = new Set<number>([
  GrpcStatus.CANCELLED,
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
]);

/** agentk sent something the contract does not allow: the call ends and is reopened. */
class BadUpstreamMessage extends Error {}

export class Upstream implements ViewerSource {
  readonly epoch = newEpoch();
  seq = 0;
  live = false;
  readonly state = new Map<string, ObjectRow>();
  lastVersion: string | undefined;
  lastStatus: Extract<HubEntry, { kind: 'status' }> | null = null;
  readonly viewers = new Set<Viewer>();
  /** The linger timer while no viewer is attached. */
  lingerHandle: unknown = null;
  private readonly ring: HubEntry[] = [];
  private ringByteCount = 0;
  private readonly abort = new AbortController();
  private readonly backoff: Backoff;

  constructor(private readonly o: UpstreamOptions) {
    this.backoff = new Backoff({ now: o.clock.now, ...o.backoff });
  }

  get key(): WatchKey {
    return this.o.key;
  }

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  start(): void {
    void this.run();
  }

  stop(): void {
    this.abort.abort();
  }

  /** The ring covers a viewer that had the state up to `seq`. */
  covers(seq: number): boolean {
    if (!this.live || seq > this.seq) return false;
    if (seq === this.seq) return true;
    const oldest = this.ring[0];
    return oldest !== undefined && oldest.seq <= seq + 1;
  }

  get recent(): readonly HubEntry[] {
    return this.ring;
  }

  private async run(): Promise<void> {
    const { key, log } = this.o;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      let call: OutgoingCall;
      // The dialer waits up to the routing timeout for a tunnel; viewers should not stare at nothing meanwhile.
      const tunnels = this.o.dialer.streamCounts(key.agentId);
      const knownDown = this.lastStatus?.fromHub === true && this.lastStatus.status.state !== 'ok';
      if (tunnels.idle + tunnels.active === 0 && !knownDown)
        this.publishHubStatus(
          {
            state: 'error',
            message:
              `agent ${key.agentId} has no connection to kas right now; check that agentk is running and its ` +
              'token is active (kas keeps waiting for it)',
          },
          null,
        );
      try {
        call = await this.o.dialer.openCall(key.agentId, OBJECT_WATCH_WATCH, {
          signal,
          ...(this.o.openTimeoutMs === undefined ? {} : { timeoutMs: this.o.openTimeoutMs }),
        });
      } catch (error) {
        if (signal.aborted) break;
        this.publishHubStatus(describeOpenError(key, error), error);
        this.o.restarted?.('not_connected');
        await sleep(this.o.clock, this.backoff.nextDelayMs(), signal);
        continue;
      }
      let reason: UpstreamRestartReason = 'ended';
      try {
        await this.consume(call);
      } catch (error) {
        if (signal.aborted) break;
        reason = error instanceof BadUpstreamMessage ? 'bad_message' : 'broken';
        if (reason === 'bad_message')
          log.error(
            { agentId: key.agentId, resource: key.resource, error: String(error) },
            'object_watch: bad message from agentk; reopening the watch',
          );
        else
          log.info(
            { agentId: key.agentId, resource: key.resource, error: String(error) },
            'object_watch: upstream watch broke; reopening it',
          );
        // agentk answered with an error (a selector it cannot parse, …): viewers learn why nothing comes.
        if (error instanceof TunnelCallError && !TRANSIENT_CODES.has(error.status.code))
          this.publishHubStatus(
            { state: 'error', message: `agentk refused the watch of ${describeKey(key)}: ${error.message}` },
            null,
          );
      } finally {
        call.cancel('object_watch: upstream watch closed by kas');
      }
      if (signal.aborted) break;
      this.o.restarted?.(reason);
      await sleep(this.o.clock, this.backoff.nextDelayMs(), signal);
    }
  }

  private async consume(call: OutgoingCall): Promise<void> {
    const { key } = this.o;
    const sinceVersion = this.live ? this.lastVersion : undefined;
    const request: WatchRequest = {
      resource: key.resource,
      ...(key.namespace === undefined ? {} : { namespace: key.namespace }),
      ...(key.labelSelector === undefined ? {} : { labelSelector: key.labelSelector }),
      ...(key.fieldSelector === undefined ? {} : { fieldSelector: key.fieldSelector }),
      ...(sinceVersion === undefined ? {} : { sinceVersion }),
    };
    call.sendMessage(encodeWatchMessage(request));
    call.closeSend();
    let pending: Map<string, ObjectRow> | null = null;
    let synced = false;
    for await (const bytes of call.messages) {
      if (this.abort.signal.aborted) return;
      let message;
      try {
        message = decodeWatchMessage(watchMessageSchema, bytes);
      } catch (error) {
        throw new BadUpstreamMessage((error as Error).message);
      }
      switch (message.type) {
        case 'snapshot': {
          pending ??= new Map();
          for (const row of message.rows) pending.set(row.uid, row);
          if (pending.size > this.o.maxObjects) {
            this.publishHubStatus(this.tooMany(pending.size), null);
            throw new Error(`snapshot over MOORING_OBJECT_WATCH_MAX_OBJECTS (${this.o.maxObjects})`);
          }
          if (message.last) {
            this.applySnapshot(pending, message.version);
            pending = null;
            synced = true;
            this.synced();
          }
          break;
        }
        case 'resumed':
          if (sinceVersion === undefined || synced || pending)
            throw new BadUpstreamMessage(
              'object_watch: resumed without a sinceVersion, or after a snapshot began',
            );
          this.lastVersion = message.version;
          synced = true;
          this.synced();
          this.o.synced?.('resumed');
          break;
        case 'deltas': {
          if (!synced || pending)
            throw new BadUpstreamMessage(
              'object_watch: deltas before a snapshot or resumed, or inside a snapshot',
            );
          const deltas: HubDelta[] = [];
          for (const delta of message.deltas) {
            const applied = applyDelta(this.state, delta);
            if (applied) deltas.push(applied);
          }
          this.lastVersion = message.version;
          this.publishDeltas(deltas, message.version);
          if (this.state.size > this.o.maxObjects) {
            // The reopened watch asks for a snapshot, which the check above refuses while it is too big.
            this.lastVersion = undefined;
            this.publishHubStatus(this.tooMany(this.state.size), null);
            throw new Error(`more than MOORING_OBJECT_WATCH_MAX_OBJECTS (${this.o.maxObjects}) objects`);
          }
          break;
        }
        case 'status':
          this.publishStatus(message, false);
          break;
      }
    }
  }

  private tooMany(count: number): Pick<StatusMessage, 'state' | 'message'> {
    return {
      state: 'too_many',
      message:
        `too many objects (${count} > ${this.o.maxObjects}) in ${describeKey(this.o.key)} for kas to hold; ` +
        'narrow the watch (a namespace or a label selector) or raise MOORING_OBJECT_WATCH_MAX_OBJECTS',
    };
  }

  /** A snapshot or resume arrived: the retry delay starts over and a hub-made error no longer holds. */
  private synced(): void {
    this.backoff.reset();
    if (this.lastStatus?.fromHub && this.lastStatus.status.state !== 'ok')
      this.publishStatus({ type: 'status', state: 'ok', message: '' }, true);
  }

  private applySnapshot(fresh: Map<string, ObjectRow>, version: string | undefined): void {
    this.lastVersion = version;
    if (!this.live) {
      for (const [uid, row] of fresh) this.state.set(uid, row);
      this.live = true;
      for (const viewer of this.viewers) viewer.wake();
      this.o.synced?.('snapshot');
      return;
    }
    const deltas = reconcileSnapshot(this.state, fresh);
    for (const delta of deltas) {
      if (delta.type === 'deleted') this.state.delete(delta.row.uid);
      else this.state.set(delta.row.uid, delta.row);
    }
    this.publishDeltas(deltas, version ?? '');
    this.o.synced?.('reconciled');
  }

  private publishDeltas(deltas: HubDelta[], version: string): void {
    for (let i = 0; i < deltas.length; i += DELTA_BATCH_MAX) {
      const batch = deltas.slice(i, i + DELTA_BATCH_MAX);
      this.publish({
        kind: 'deltas',
        seq: 0,
        deltas: batch,
        version,
        bytes: batch.map((d) => rowBytes(d.row)),
      });
    }
  }

  private publishHubStatus(status: Pick<StatusMessage, 'state' | 'message'>, error: unknown): void {
    const last = this.lastStatus;
    // One status per kind of failure, not one per retry (the agent's "last seen" moves on every attempt).
    if (
      last?.fromHub &&
      last.status.state === status.state &&
      sameFailure(last.status.message, status.message)
    )
      return;
    if (error !== null && !(error instanceof Error && error.name === 'AgentNotConnectedError'))
      this.o.log.warn(
        { agentId: this.o.key.agentId, resource: this.o.key.resource, error: String(error) },
        'object_watch: cannot open the upstream watch',
      );
    this.publishStatus({ type: 'status', state: status.state, message: status.message.slice(0, 2000) }, true);
  }

  private publishStatus(status: StatusMessage, fromHub: boolean): void {
    const entry: HubEntry = { kind: 'status', seq: 0, status, bytes: 64 + status.message.length, fromHub };
    this.publish(entry);
    this.lastStatus = entry;
  }

  private publish(entry: HubEntry): void {
    entry.seq = ++this.seq;
    const bytes = entry.kind === 'status' ? entry.bytes : entry.bytes.reduce((a, b) => a + b, 0);
    this.ring.push(entry);
    this.ringByteCount += bytes;
    while (
      this.ring.length > this.o.ringEvents ||
      (this.ringByteCount > this.o.ringBytes && this.ring.length > 1)
    ) {
      const dropped = this.ring.shift()!;
      this.ringByteCount -=
        dropped.kind === 'status' ? dropped.bytes : dropped.bytes.reduce((a, b) => a + b, 0);
    }
    for (const viewer of this.viewers) viewer.offer(entry);
  }
}

export function describeKey(key: WatchKey): string {
  const parts = [key.resource];
  if (key.namespace !== undefined) parts.push(`in namespace ${key.namespace}`);
  if (key.labelSelector !== undefined) parts.push(`with labels ${key.labelSelector}`);
  if (key.fieldSelector !== undefined) parts.push(`with fields ${key.fieldSelector}`);
  return `${parts.join(' ')} of agent ${key.agentId}`;
}

function describeOpenError(key: WatchKey, error: unknown): Pick<StatusMessage, 'state' | 'message'> {
  // The tunnel's errors already say what to do (agentk not running, stream limit, agentk too old).
  if (error instanceof Error && /Agent\w*Error$/.test(error.name))
    return { state: 'error', message: error.message };
  return {
    state: 'error',
    message: `cannot watch ${describeKey(key)}: ${String(error)}; kas keeps retrying`,
  };
}

function sameFailure(a: string, b: string): boolean {
  const shape = (s: string) => s.replace(/\d[\d.:TZ-]*/g, '#');
  return shape(a) === shape(b);
}
