// kas's receptive dialer (issue 15; docs/agentk.md, "Receptive mode"): for every agent with a receptive endpoint, the
// kas process holding the lease `receptive:<agentId>` dials agentk's listener (TLS, checking agentk's certificate
// with the endpoint's CA and server name), proves itself (the preface with a fresh JWT, or the client certificate),
// and hands the connection to its own agent API server, so agentk's usual clients run over it. One link per agent,
// kept up with the shared backoff; its state is what the console reads.
import { Duplex } from 'node:stream';
import type tls from 'node:tls';
import type { InjectedConnectionOwner } from '../../modserver/agent-server';
import { Backoff } from '../../shared/backoff';
import {
  type ConnectionFailure,
  ExplainedConnectionError,
  explainConnectionFailure,
} from '../../shared/connection-failure';
import type { ReceptiveAddressPolicy } from './address-policy';
import { DIAL_STEPS, type DialStep, dialAgentk, type ReceptiveDialCredentials } from './dial-agentk';

export type { ReceptiveDialCredentials } from './dial-agentk';

/** What the dialer uses of kas's services (receptiveEndpoints and leases). */
export interface ReceptiveDialerServices {
  receptiveEndpoints: {
    listReceptiveEndpoints(): Promise<{ agentId: number; savedAt: Date }[]>;
    credentials(agentId: number): Promise<ReceptiveDialCredentials | null>;
    signJwt(agentId: number): Promise<string | null>;
  };
  leases: {
    acquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
    release(name: string, holder: string): Promise<void>;
  };
}

export type ReceptiveLinkState =
  | { state: 'standby' }
  | { state: 'dialing' }
  | { state: 'connected'; since: Date }
  | { state: 'failing'; error: string; kind: ConnectionFailure['kind']; since: Date };

/** What Test connection reports: each step by name, and the failure in words (never bytes agentk sent). */
export interface ReceptiveTestResult {
  ok: boolean;
  steps: { step: DialStep; status: 'ok' | 'failed' | 'skipped' | 'not_reached' }[];
  failure: Pick<ConnectionFailure, 'kind' | 'problem' | 'fix'> | null;
  /** Why a step was skipped, e.g. a JWT endpoint's key pair is made on its first save. */
  note: string | null;
}

export interface ReceptiveDialerOptions {
  services: ReceptiveDialerServices;
  inject(connection: Duplex, expected: InjectedConnectionOwner): Promise<void>;
  /** Which addresses may be dialed (MOORING_RECEPTIVE_ALLOW_CIDRS / _DENY_CIDRS). */
  policy: ReceptiveAddressPolicy;
  /** This process, as the lease names it. */
  holder: string;
  leaseMs: number;
  /** How often the endpoint list is read again (a new or deleted endpoint takes effect within it). */
  syncMs: number;
  logger: { info(o: object, m: string): void; warn(o: object, m: string): void };
}

const leaseName = (agentId: number) => `receptive:${agentId}`;

/** Another kas took the agent's lease while this one dialed: it stands by (nothing failed). */
class LeaseTakenError extends Error {
  override readonly name = 'LeaseTakenError';
}

export class ReceptiveDialer {
  private readonly links = new Map<number, Link>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly options: ReceptiveDialerOptions) {}

  start(): void {
    void this.sync();
  }

  /** Each receptive agent's link state (only agents this process knows of). */
  states(): Map<number, ReceptiveLinkState> {
    return new Map([...this.links].map(([id, link]) => [id, link.state]));
  }

  /**
   * Test connection: one dial with the given values, step by step, ending with a probe handshake (agentk checks the
   * credential and closes; the link that serves stays). `jwt` null for a JWT endpoint not saved yet: the handshake
   * is skipped, since agentk cannot know a key pair kas makes on the first save.
   */
  async testDial(
    agentId: number,
    creds: ReceptiveDialCredentials,
    jwt: (() => Promise<string | null>) | null,
  ): Promise<ReceptiveTestResult> {
    const done = new Set<DialStep>();
    const skipHandshake = creds.auth === 'jwt' && jwt === null;
    let failure: ReceptiveTestResult['failure'] = null;
    try {
      const socket = await dialAgentk(creds, {
        policy: this.options.policy,
        jwt: jwt ?? (async () => null),
        probe: true,
        handshake: !skipHandshake,
        onStep: (step) => done.add(step),
      });
      socket.destroy();
    } catch (error) {
      const { kind, problem, fix } = describeFailure(agentId, creds.url, error);
      failure = { kind, problem, fix };
    }
    let failed = false;
    const steps = DIAL_STEPS.map((step) => {
      if (done.has(step)) return { step, status: 'ok' as const };
      if (step === 'handshake' && skipHandshake && !failure) return { step, status: 'skipped' as const };
      if (failure && !failed) {
        failed = true;
        return { step, status: 'failed' as const };
      }
      return { step, status: 'not_reached' as const };
    });
    return {
      ok: failure === null,
      steps,
      failure,
      note: steps.some((s) => s.status === 'skipped')
        ? 'the handshake was not tried: kas makes this endpoint’s key pair when you save; give agentk the public key then'
        : null,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.all([...this.links.values()].map((link) => link.stop()));
    this.links.clear();
  }

  private async sync(): Promise<void> {
    try {
      const endpoints = await this.options.services.receptiveEndpoints.listReceptiveEndpoints();
      if (this.stopped) return;
      const savedAt = new Map(endpoints.map((e) => [e.agentId, e.savedAt.getTime()]));
      // A deleted endpoint closes its link; an edited one (saved again) is dialed anew with its new values.
      for (const [id, link] of this.links)
        if (savedAt.get(id) !== link.savedAt) {
          this.links.delete(id);
          await link.stop();
        }
      for (const [id, at] of savedAt)
        if (!this.links.has(id)) this.links.set(id, new Link(id, at, this.options));
    } catch (error) {
      this.options.logger.warn({ err: error }, 'receptive dialer: cannot read the receptive endpoints');
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.sync(), this.options.syncMs);
  }
}

class Link {
  state: ReceptiveLinkState = { state: 'dialing' };
  private stopped = false;
  private socket: tls.TLSSocket | null = null;
  private wake: (() => void) | null = null;
  private readonly backoff = new Backoff();
  private readonly done: Promise<void>;

  constructor(
    private readonly agentId: number,
    /** When the endpoint this link dials was saved (ms). */
    readonly savedAt: number,
    private readonly o: ReceptiveDialerOptions,
  ) {
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.socket?.destroy();
    this.wake?.();
    await this.done;
    await this.o.services.leases.release(leaseName(this.agentId), this.o.holder).catch(() => undefined);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private held(): Promise<boolean> {
    return this.o.services.leases
      .acquire(leaseName(this.agentId), this.o.holder, this.o.leaseMs)
      .catch(() => false);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (!(await this.held())) {
        this.state = { state: 'standby' };
        await this.sleep(this.o.leaseMs / 3);
        continue;
      }
      let url = '';
      try {
        this.state = { state: 'dialing' };
        const creds = await this.o.services.receptiveEndpoints.credentials(this.agentId);
        if (!creds) return;
        url = creds.url;
        const socket = await dialAgentk(creds, {
          policy: this.o.policy,
          jwt: () => this.o.services.receptiveEndpoints.signJwt(this.agentId),
          // agentk serves the newest kas that completes the handshake and drops the one before. The lease is
          // renewed only once connected, so a dial slower than the lease may have lost it meanwhile: renew it now,
          // or leave agentk to the kas that holds it.
          beforeHandshake: async () => {
            if (!(await this.held())) throw new LeaseTakenError('another kas took the lease during the dial');
          },
        });
        if (this.stopped) {
          socket.destroy();
          return;
        }
        this.socket = socket;
        // A stream wrapper, not the TLS socket itself: HTTP/2 would read from the socket's handle and miss what the
        // preface reader already took off it (agentk's first HTTP/2 bytes may share a packet with its OK).
        let wrongAgent: number | null = null;
        await this.o.inject(Duplex.from({ readable: socket, writable: socket }), {
          agentId: this.agentId,
          onWrongAgent: (tokenAgentId) => {
            wrongAgent = tokenAgentId;
            socket.destroy();
          },
        });
        this.state = { state: 'connected', since: new Date() };
        this.o.logger.info({ agent_id: this.agentId, url }, 'receptive dialer: connected to the agent');
        const ended = await this.whileConnected(socket);
        this.socket = null;
        if (this.stopped) return;
        if (ended === 'lease_taken') {
          this.standBy();
          continue;
        }
        this.fail(
          wrongAgent === null
            ? new Error('the agent closed the connection')
            : new ExplainedConnectionError(
                'wrong_agent',
                `the agentk at this endpoint uses a token of agent ${wrongAgent}, not of agent ${this.agentId}`,
                `give it a token of agent ${this.agentId}, or save the endpoint on agent ${wrongAgent}`,
              ),
          url,
        );
      } catch (error) {
        if (this.stopped) return;
        if (error instanceof LeaseTakenError) {
          this.standBy();
          continue;
        }
        this.fail(error, url);
      }
      await this.sleep(this.backoff.nextDelayMs());
    }
  }

  /** The lease went to another kas: this one stops dialing; the loop waits for the lease again. */
  private standBy(): void {
    this.state = { state: 'standby' };
    this.o.logger.info(
      { agent_id: this.agentId },
      'receptive dialer: another kas holds the lease; standing by',
    );
  }

  private fail(error: unknown, url: string): void {
    const failure = describeFailure(this.agentId, url, error);
    this.state = { state: 'failing', error: failure.message, kind: failure.kind, since: new Date() };
    this.o.logger.warn({ agent_id: this.agentId }, `receptive dialer: ${failure.message}`);
  }

  /**
   * Renews the lease while the connection lives; losing the lease closes it (another kas took over). Resolves when
   * the connection closed, saying whether this kas closed it for that.
   */
  private whileConnected(socket: tls.TLSSocket): Promise<'closed' | 'lease_taken'> {
    return new Promise((resolve) => {
      let taken = false;
      const renew = setInterval(() => {
        void this.held().then((ok) => {
          if (ok) return;
          taken = true;
          socket.destroy();
        });
      }, this.o.leaseMs / 3);
      socket.once('close', () => {
        clearInterval(renew);
        resolve(taken ? 'lease_taken' : 'closed');
      });
    });
  }
}

/** A failed dial in words, naming the endpoint's fields that fix it. */
function describeFailure(agentId: number, url: string, error: unknown): ConnectionFailure {
  return explainConnectionFailure(error, {
    address: url,
    name: `agent ${agentId}`,
    port: "agentk's --receptive-listen-address port (default 8082)",
    flags: {
      address: 'the receptive endpoint URL',
      caFile: 'the endpoint CA',
      serverName: 'the endpoint TLS server name',
      token: 'the endpoint key (agentk --receptive-jwt-public-key-file)',
    },
  });
}
