// The receptive dialer and its lease, with a real lease service (PGlite) and a real receptive listener over loopback
// TLS: a kas that loses the lease to another stands by — it neither reports a failure nor, mid-dial, takes agentk
// from the kas that now holds the lease (agentk serves the newest handshake). The other kas is played by the test
// taking the lease itself, as a kas whose dialer acquired it would.
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { openTestDatabase, type TestDatabase } from '@mooring/db/testing/backends';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLeaseService, type LeaseService } from '../../../../apps/kas/src/services/leases';
import { systemClock } from '../../../../apps/kas/src/services/clock';
import { generateSelfSignedTls } from '../../shared/certificates';
import { listenForErrors } from '../../shared/streams';
import { until } from '../../shared/testing/until';
import { ReceptiveListener } from '../agent/receptive-listener';
import { cidrListSchema, ReceptiveAddressPolicy } from './address-policy';
import { ReceptiveDialer, type ReceptiveDialerServices } from './dialer';

const AGENT_ID = 7;
const LEASE = `receptive:${AGENT_ID}`;
const tlsFiles = generateSelfSignedTls(['agent.test']);
const keys = generateKeyPairSync('ed25519');

function jwt(): string {
  const now = Math.floor(Date.now() / 1000);
  const enc = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${enc({ alg: 'EdDSA' })}.${enc({ iss: 'mooring-kas', aud: 'mooring-agentk', sub: `agent:${AGENT_ID}`, exp: now + 60, jti: randomUUID() })}`;
  return `${input}.${sign(null, Buffer.from(input), keys.privateKey).toString('base64url')}`;
}

describe('receptive dialer: the lease', () => {
  let db: TestDatabase;
  let leases: LeaseService;
  let listener: ReceptiveListener | undefined;
  let dialer: ReceptiveDialer | undefined;
  /** What agentk's listener logged (info and warn). */
  const agentkLog: string[] = [];
  const links: Duplex[] = [];

  beforeAll(async () => {
    db = await openTestDatabase('pglite');
    leases = createLeaseService({ db: db.db, clock: systemClock });
  });
  afterAll(async () => {
    await db?.dispose();
  });
  afterEach(async () => {
    await dialer?.stop();
    for (const l of links.splice(0)) l.destroy();
    await listener?.close();
    await leases.release(LEASE, 'kas-b');
    agentkLog.length = 0;
  });

  async function start(signJwt: () => Promise<string>): Promise<ReceptiveDialer> {
    const log = (o: object, m: string) => void agentkLog.push(`${m} ${JSON.stringify(o)}`);
    listener = new ReceptiveListener({
      listenAddress: '127.0.0.1:0',
      certPem: tlsFiles.certPem,
      keyPem: tlsFiles.keyPem,
      auth: { jwtPublicKeyPem: keys.publicKey.export({ type: 'spki', format: 'pem' }) },
      logger: { info: log, warn: log },
    });
    const { port } = await listener.start();
    const services: ReceptiveDialerServices = {
      receptiveEndpoints: {
        listReceptiveEndpoints: async () => [{ agentId: AGENT_ID, savedAt: new Date(0) }],
        credentials: async () => ({
          url: `grpcs://127.0.0.1:${port}`,
          auth: 'jwt',
          serverCheck: { caCert: tlsFiles.caPem, serverName: 'agent.test' },
        }),
        signJwt,
      },
      leases,
    };
    dialer = new ReceptiveDialer({
      services,
      // kas's agent server would serve HTTP/2 on it; holding it open is all the lease needs.
      inject: async (connection) => {
        listenForErrors(connection);
        links.push(connection);
      },
      policy: new ReceptiveAddressPolicy({ allow: cidrListSchema.parse('127.0.0.0/8'), deny: [] }),
      holder: 'kas-a',
      leaseMs: 600,
      syncMs: 60_000,
      logger: { info: () => undefined, warn: () => undefined },
    });
    dialer.start();
    return dialer;
  }

  const state = () => dialer!.states().get(AGENT_ID)?.state;

  it('a connected kas whose lease another took stands by, without reporting a failure', async () => {
    await start(async () => jwt());
    await until('kas-a connected', () => state() === 'connected');
    // kas-a's lease ran out (a stalled process) and kas-b took it.
    await leases.release(LEASE, 'kas-a');
    expect(await leases.acquire(LEASE, 'kas-b', 60_000)).toBe(true);
    const seen = new Set<string>();
    await until(`kas-a stands by (seen: ${[...seen].join(', ')})`, () => {
      seen.add(state() ?? 'none');
      return state() === 'standby';
    });
    expect([...seen]).not.toContain('failing');
  });

  it('a kas that lost the lease while it dialed leaves agentk to the kas that holds it', async () => {
    let signing!: () => void;
    const signingStarted = new Promise<void>((resolve) => (signing = resolve));
    let finishSigning!: () => void;
    const signed = new Promise<void>((resolve) => (finishSigning = resolve));
    // A slow JWT (the database behind signJwt stalls): the dial outlasts kas-a's lease.
    await start(async () => {
      signing();
      await signed;
      return jwt();
    });
    await signingStarted;
    await leases.release(LEASE, 'kas-a');
    expect(await leases.acquire(LEASE, 'kas-b', 60_000)).toBe(true);
    finishSigning();
    await until(
      () => `kas-a stands by (state ${state()})`,
      () => state() === 'standby',
    );
    expect(agentkLog.filter((l) => l.includes('kas connected'))).toEqual([]);
    expect(links).toHaveLength(0);
  });
});
